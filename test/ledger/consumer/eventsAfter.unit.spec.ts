import { describe, expect, it } from 'vitest';
import { eventsAfter } from '../../../src/ledger/consumer/eventsAfter.ts';
import { eventBuilder } from '../../projections/eventBuilder.ts';

describe('eventsAfter', () => {
  const event = eventBuilder(11);
  const page = Array.from({ length: 10 }, (_, i) => event('follow.subscribed', { appid: 'wx', openid: `o${i}` }));
  const positions = (position: number) => eventsAfter(page, position).map((e) => e.position);

  it('is the part of a page after a position, whatever the position', () => {
    expect(positions(0)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    expect(positions(10)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    expect(positions(11)).toEqual([12, 13, 14, 15, 16, 17, 18, 19, 20]);
    expect(positions(17)).toEqual([18, 19, 20]);
    expect(positions(19)).toEqual([20]);
    expect(positions(20)).toEqual([]);
    expect(positions(99)).toEqual([]);
    expect(eventsAfter([], 5)).toEqual([]);
  });

  it('hands the page itself back when all of it is after the position (no copy per processor)', () => {
    expect(eventsAfter(page, 3)).toBe(page);
  });
});
