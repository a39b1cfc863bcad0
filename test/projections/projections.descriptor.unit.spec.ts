import { afterEach, describe, expect, it, vi } from 'vitest';
import { followState } from '../../projections/followState/index.ts';
import { identityLinks } from '../../projections/identityLinks/index.ts';
import { configuredAccounts as ctx } from './context.ts';
import { at, eventBuilder, NEW_OA, OA } from './eventBuilder.ts';

const event = eventBuilder();
const conversion = event('openid.converted', { fromAppid: OA, fromOpenid: 'a', toAppid: NEW_OA, toOpenid: 'b' });
const events = [
  event('follow.subscribed', { appid: OA, openid: 'a' }, { at: at(1) }),
  event('unionid.resolved', { appid: OA, openid: 'a', unionid: 'u', via: 'user_info' }, { at: at(2) }),
  conversion,
  event('follow.unsubscribed', { appid: NEW_OA, openid: 'b' }, { at: at(9) }),
];

describe('projection descriptors', () => {
  afterEach(() => vi.useRealTimers());

  it('name the projections and their code versions', () => {
    expect([identityLinks.name, followState.name]).toEqual(['identity-links', 'follow-state']);
    expect(identityLinks.codeVersion).toBeGreaterThan(0);
    expect(followState.codeVersion).toBeGreaterThan(0);
  });

  it('name both ends of a conversion as touched keys', () => {
    const both = [{ appid: OA, openid: 'a' }, { appid: NEW_OA, openid: 'b' }];
    expect(identityLinks.keysOf(conversion)).toEqual(both);
    expect(followState.keysOf(conversion)).toEqual(both);
  });

  it('evolve a batch from only the rows keysOf names, as a SQL applier does, to what a full fold gives', () => {
    for (const projection of [identityLinks, followState] as const) {
      const table = new Map<string, unknown>();
      for (const e of events) {
        const loaded = new Map<string, never>();
        for (const { appid, openid } of projection.keysOf(e)) {
          const key = JSON.stringify([appid, openid]);
          if (table.has(key)) loaded.set(key, table.get(key) as never);
        }
        const changed = projection.evolve(loaded, e, ctx);
        for (const key of changed) table.set(key, loaded.get(key));
      }
      expect(table).toEqual(projection.foldAll(events, ctx));
    }
  });

  it('fold the same events to the same rows whatever the clock says', () => {
    vi.useFakeTimers({ now: new Date('2001-01-01T00:00:00Z') });
    const then = [identityLinks.foldAll(events, ctx), followState.foldAll(events, ctx)];
    vi.setSystemTime(new Date('2099-12-31T00:00:00Z'));
    expect([identityLinks.foldAll(events, ctx), followState.foldAll(events, ctx)]).toEqual(then);
  });
});
