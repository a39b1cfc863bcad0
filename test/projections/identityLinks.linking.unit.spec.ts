import { describe, expect, it } from 'vitest';
import { evolve, foldAll, keyOf } from '../../projections/identityLinks/evolve.ts';
import { linkedAccounts } from '../../projections/identityLinks/linkedAccounts.ts';
import { configuredAccounts as ctx } from './context.ts';
import { at, eventBuilder, MP, OA, WEB } from './eventBuilder.ts';

describe('identity links through unionid', () => {
  it('an OA follower who never opened the MP is linked the moment an MP login brings the same unionid', () => {
    const event = eventBuilder();
    const rows = foldAll([
      event('follow.subscribed', { appid: OA, openid: 'oa1' }, { at: at(1) }),
      event('unionid.resolved', { appid: OA, openid: 'oa1', unionid: 'u1', via: 'user_info' }, { at: at(2) }),
    ], ctx);
    expect(linkedAccounts(rows, 'u1')).toEqual([{ appid: OA, openid: 'oa1', kind: 'oa' }]);

    evolve(rows, event('login.recorded', { appid: MP, openid: 'mp1', unionid: 'u1' }, { at: at(30), source: 'login' }), ctx);
    expect(linkedAccounts(rows, 'u1')).toEqual([
      { appid: MP, openid: 'mp1', kind: 'mp' },
      { appid: OA, openid: 'oa1', kind: 'oa' },
    ]);
  });

  it('an MP user is linked the moment they follow the OA and user/info brings the same unionid', () => {
    const event = eventBuilder();
    const rows = foldAll([
      event('login.recorded', { appid: MP, openid: 'mp1', unionid: 'u1' }, { at: at(1), source: 'login' }),
      event('follow.subscribed', { appid: OA, openid: 'oa1' }, { at: at(5) }),
    ], ctx);
    expect(linkedAccounts(rows, 'u1')).toEqual([{ appid: MP, openid: 'mp1', kind: 'mp' }]);

    evolve(rows, event('unionid.resolved', { appid: OA, openid: 'oa1', unionid: 'u1', via: 'user_info' }, { at: at(6) }), ctx);
    expect(linkedAccounts(rows, 'u1').map((a) => a.appid)).toEqual([MP, OA]);
  });

  it('a unionid learned late (backfill, decrypt) fills a row first seen without one', () => {
    const event = eventBuilder();
    const rows = foldAll([
      event('login.recorded', { appid: MP, openid: 'mp1' }, { at: at(1), source: 'login' }),
      event('follow.subscribed', { appid: OA, openid: 'oa1' }, { at: at(2) }),
    ], ctx);
    expect(rows.get(keyOf(MP, 'mp1'))?.unionid).toBeNull();

    evolve(rows, event('unionid.resolved', { appid: MP, openid: 'mp1', unionid: 'u1', via: 'decrypt' }, { at: at(9) }), ctx);
    evolve(rows, event('unionid.resolved', { appid: OA, openid: 'oa1', unionid: 'u1', via: 'batchget' }, { at: at(90), source: 'backfill' }), ctx);
    expect(rows.get(keyOf(MP, 'mp1'))).toMatchObject({ unionid: 'u1', firstSeenAt: at(1), lastSeenAt: at(9), lastPosition: 3 });
    expect(linkedAccounts(rows, 'u1').map((a) => a.openid)).toEqual(['mp1', 'oa1']);
  });

  it('web OAuth with a unionid joins the same person', () => {
    const event = eventBuilder();
    const rows = foldAll([
      event('login.recorded', { appid: MP, openid: 'mp1', unionid: 'u1' }),
      event('oauth.authorized', { appid: WEB, openid: 'w1', scope: 'snsapi_userinfo', unionid: 'u1' }, { source: 'oauth' }),
    ], ctx);
    expect(linkedAccounts(rows.values(), 'u1')).toEqual([
      { appid: MP, openid: 'mp1', kind: 'mp' },
      { appid: WEB, openid: 'w1', kind: 'web' },
    ]);
  });

  it('tracks first and last sighting by event time, whatever the arrival order', () => {
    const event = eventBuilder();
    const rows = foldAll([
      event('login.recorded', { appid: MP, openid: 'mp1' }, { at: at(5) }),
      event('login.recorded', { appid: MP, openid: 'mp1' }, { at: at(1) }),
      event('authorization.revoked', { appid: MP, openid: 'mp1' }, { at: at(3) }),
    ], ctx);
    expect(rows.get(keyOf(MP, 'mp1'))).toMatchObject({ firstSeenAt: at(1), lastSeenAt: at(5), lastPosition: 3 });
  });

  it('an event that adds nothing (a replay) leaves the row object and reports no changed key', () => {
    const event = eventBuilder();
    const login = event('login.recorded', { appid: MP, openid: 'mp1', unionid: 'u1' }, { at: at(1) });
    const rows = foldAll([login], ctx);
    const before = rows.get(keyOf(MP, 'mp1'));
    expect(evolve(rows, login, ctx)).toEqual([]);
    expect(rows.get(keyOf(MP, 'mp1'))).toBe(before);
  });

  it('ignores events that name no user', () => {
    const event = eventBuilder();
    const rows = foldAll([
      event('reconciliation.completed', { appid: OA, followers: 1, added: 1, removed: 0, startedAt: at(0) }),
      event('openid.conversion_failed', { fromAppid: OA, fromOpenid: 'x', toAppid: 'wxoa2', reason: 'ori_openid error' }),
    ], ctx);
    expect(rows.size).toBe(0);
  });
});
