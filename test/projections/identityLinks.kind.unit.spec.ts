import { describe, expect, it } from 'vitest';
import { foldAll, keyOf } from '../../projections/identityLinks/evolve.ts';
import { configuredAccounts, noAccounts } from './context.ts';
import { eventBuilder, MP, OA } from './eventBuilder.ts';

const kindAfter = (appid: string, events: Parameters<typeof foldAll>[0], ctx = noAccounts) =>
  foldAll(events, ctx).get(keyOf(appid, 'x'))?.kind;

describe('account kind of an identity', () => {
  const event = eventBuilder();
  const x = 'x';

  it('comes from the account configuration when it names the appid', () => {
    expect(kindAfter(OA, [event('login.recorded', { appid: OA, openid: x })], configuredAccounts)).toBe('oa');
  });

  it('is inferred from the events when the appid is not configured', () => {
    expect(kindAfter('wxA', [event('follow.subscribed', { appid: 'wxA', openid: x })])).toBe('oa');
    expect(kindAfter('wxA', [event('follow.unsubscribed', { appid: 'wxA', openid: x })])).toBe('oa');
    expect(kindAfter('wxA', [event('login.recorded', { appid: 'wxA', openid: x })])).toBe('mp');
    expect(kindAfter('wxA', [event('oauth.authorized', { appid: 'wxA', openid: x, scope: 'snsapi_base' })])).toBe('web');
    const via = (v: 'user_info' | 'batchget' | 'code2session' | 'decrypt' | 'oauth' | 'report') =>
      kindAfter('wxA', [event('unionid.resolved', { appid: 'wxA', openid: x, unionid: 'u', via: v })]);
    expect([via('user_info'), via('batchget'), via('code2session'), via('decrypt'), via('oauth'), via('report')])
      .toEqual(['oa', 'oa', 'mp', 'mp', 'web', null]);
  });

  it('keeps the first inference when a later event suggests another kind', () => {
    expect(kindAfter('wxA', [
      event('unionid.resolved', { appid: 'wxA', openid: x, unionid: 'u', via: 'report' }),
      event('login.recorded', { appid: 'wxA', openid: x }),
      event('follow.subscribed', { appid: 'wxA', openid: x }),
    ])).toBe('mp');
  });

  it('lets configuration override an inference', () => {
    expect(kindAfter(MP, [event('follow.subscribed', { appid: MP, openid: x })], configuredAccounts)).toBe('mp');
  });
});
