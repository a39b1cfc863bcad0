import { describe, expect, it } from 'vitest';
import { evolve, foldAll, keyOf } from '../../projections/followState/evolve.ts';
import { at, eventBuilder, NEW_OA, OA } from './eventBuilder.ts';

const oldKey = keyOf(OA, 'old1');
const newKey = keyOf(NEW_OA, 'new1');
const conversion = { fromAppid: OA, fromOpenid: 'old1', toAppid: NEW_OA, toOpenid: 'new1' };

describe('follow state across an account migration', () => {
  it('the new openid inherits the follow state; the old row is left as it was', () => {
    const event = eventBuilder();
    const rows = foldAll([
      event('follow.subscribed', { appid: OA, openid: 'old1', scene: 'poster' }, { at: at(1) }),
    ]);
    const oldRow = rows.get(oldKey);
    expect(evolve(rows, event('openid.converted', conversion, { at: at(50), source: 'conversion' }))).toEqual([newKey]);
    expect(rows.get(oldKey)).toBe(oldRow);
    expect(rows.get(newKey)).toEqual({
      ...oldRow, appid: NEW_OA, openid: 'new1', source: 'conversion',
    });
    expect(rows.get(newKey)).toMatchObject({ subscribed: true, subscribedAt: at(1), scene: 'poster' });
  });

  it('a newer fact already known for the new openid wins over the inherited one', () => {
    const event = eventBuilder();
    const rows = foldAll([
      event('follow.subscribed', { appid: OA, openid: 'old1' }, { at: at(1) }),
      event('follow.unsubscribed', { appid: NEW_OA, openid: 'new1' }, { at: at(20) }),
      event('openid.converted', conversion, { at: at(50), source: 'conversion' }),
    ]);
    expect(rows.get(newKey)).toMatchObject({
      subscribed: false, source: 'webhook', subscribedAt: at(1), unsubscribedAt: at(20),
    });
  });

  it('facts for the new openid after the conversion decide by event time as usual', () => {
    const event = eventBuilder();
    const rows = foldAll([
      event('follow.subscribed', { appid: OA, openid: 'old1' }, { at: at(1) }),
      event('openid.converted', conversion, { at: at(50), source: 'conversion' }),
      event('follow.unsubscribed', { appid: NEW_OA, openid: 'new1' }, { at: at(60) }),
    ]);
    expect(rows.get(newKey)).toMatchObject({ subscribed: false, source: 'webhook', unsubscribedAt: at(60) });
  });

  it('an openid with no follow state gives the new openid none', () => {
    const event = eventBuilder();
    const rows = foldAll([event('openid.converted', conversion)]);
    expect(rows.size).toBe(0);
  });

  it('a repeated conversion changes nothing', () => {
    const event = eventBuilder();
    const rows = foldAll([
      event('follow.subscribed', { appid: OA, openid: 'old1' }, { at: at(1) }),
      event('openid.converted', conversion, { at: at(50) }),
    ]);
    expect(evolve(rows, event('openid.converted', conversion, { at: at(51) }))).toEqual([]);
  });
});
