import { describe, expect, it } from 'vitest';
import { evolve, foldAll, keyOf } from '../../projections/identityLinks/evolve.ts';
import { linkedAccounts } from '../../projections/identityLinks/linkedAccounts.ts';
import { configuredAccounts, noAccounts } from './context.ts';
import { at, eventBuilder, MP, NEW_OA, OA } from './eventBuilder.ts';

const conversion = { fromAppid: OA, fromOpenid: 'old1', toAppid: NEW_OA, toOpenid: 'new1' };
const oldKey = keyOf(OA, 'old1');
const newKey = keyOf(NEW_OA, 'new1');

describe('identity of a converted follower', () => {
  it('links old → new both ways and carries the unionid over to the new openid', () => {
    const event = eventBuilder();
    const rows = foldAll([
      event('follow.subscribed', { appid: OA, openid: 'old1' }, { at: at(1) }),
      event('unionid.resolved', { appid: OA, openid: 'old1', unionid: 'u1', via: 'user_info' }, { at: at(2) }),
      event('login.recorded', { appid: MP, openid: 'mp1', unionid: 'u1' }, { at: at(3) }),
    ], configuredAccounts);
    const changed = evolve(rows, event('openid.converted', conversion, { at: at(50), source: 'conversion' }), configuredAccounts);

    expect(changed).toEqual([oldKey, newKey]);
    expect(rows.get(oldKey)).toMatchObject({ convertedTo: { appid: NEW_OA, openid: 'new1' }, convertedFrom: null, unionid: 'u1' });
    expect(rows.get(newKey)).toEqual({
      appid: NEW_OA, openid: 'new1', kind: 'oa', unionid: 'u1', unionidReported: false, unionidConflict: [],
      convertedTo: null, convertedFrom: { appid: OA, openid: 'old1' },
      firstSeenAt: at(50), lastSeenAt: at(50), lastPosition: 4,
    });
    // The MP user stays linked to the OA follower under its new openid.
    expect(linkedAccounts(rows, 'u1').map((a) => a.appid)).toEqual([MP, OA, NEW_OA].sort());
  });

  it('does not replace a unionid the new openid already has', () => {
    const event = eventBuilder();
    const rows = foldAll([
      event('unionid.resolved', { appid: OA, openid: 'old1', unionid: 'u1', via: 'user_info' }),
      event('unionid.resolved', { appid: NEW_OA, openid: 'new1', unionid: 'u9', via: 'user_info' }),
      event('openid.converted', conversion),
    ], configuredAccounts);
    expect(rows.get(newKey)).toMatchObject({ unionid: 'u9', unionidConflict: [] });
  });

  it('without configuration the new openid takes the kind of the old one', () => {
    const event = eventBuilder();
    const rows = foldAll([
      event('follow.subscribed', { appid: OA, openid: 'old1' }),
      event('openid.converted', conversion),
    ], noAccounts);
    expect(rows.get(newKey)?.kind).toBe('oa');
  });

  it('a conversion of an openid never seen before creates both rows', () => {
    const event = eventBuilder();
    const rows = foldAll([event('openid.converted', conversion, { at: at(7) })], configuredAccounts);
    expect(rows.get(oldKey)).toMatchObject({ kind: 'oa', unionid: null, convertedTo: { appid: NEW_OA, openid: 'new1' } });
    expect(rows.get(newKey)).toMatchObject({ kind: 'oa', unionid: null, convertedFrom: { appid: OA, openid: 'old1' } });
  });

  it('a repeated conversion changes nothing', () => {
    const event = eventBuilder();
    const converted = event('openid.converted', conversion);
    const rows = foldAll([converted], configuredAccounts);
    expect(evolve(rows, converted, configuredAccounts)).toEqual([]);
  });
});
