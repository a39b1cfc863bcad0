import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldAll, keyOf } from '../../projections/identityLinks/evolve.ts';
import { linkedAccounts } from '../../projections/identityLinks/linkedAccounts.ts';
import type { LedgerEvent } from '../../src/ledger/events.ts';
import { configuredAccounts as ctx } from './context.ts';
import { eventBuilder, MP, NEW_OA, OA } from './eventBuilder.ts';

const user = { appid: MP, openid: 'mp1' };
const key = keyOf(MP, 'mp1');

describe('unionid claims ranked by source', () => {
  it('a reported unionid claimed first is replaced by the one WeChat gives later, and kept as a conflict', () => {
    const event = eventBuilder();
    const rows = foldAll([
      event('login.recorded', { ...user, unionid: 'u-claimed' }, { source: 'api' }),
      event('unionid.resolved', { ...user, unionid: 'u-claimed', via: 'report' }, { source: 'api' }),
      event('login.recorded', { ...user, unionid: 'u-real' }, { source: 'login' }),
      event('unionid.resolved', { ...user, unionid: 'u-real', via: 'code2session' }, { source: 'login' }),
    ], ctx);
    expect(rows.get(key)).toMatchObject({ unionid: 'u-real', unionidReported: false, unionidConflict: ['u-claimed'] });
    expect(linkedAccounts(rows, 'u-real')).toHaveLength(1);
    expect(linkedAccounts(rows, 'u-claimed')).toEqual([]);
  });

  it('a report after WeChat answered is only a conflict', () => {
    const event = eventBuilder();
    const rows = foldAll([
      event('unionid.resolved', { ...user, unionid: 'u-real', via: 'decrypt' }, { source: 'login' }),
      event('login.recorded', { ...user, unionid: 'u-claimed' }, { source: 'api' }),
      event('unionid.resolved', { ...user, unionid: 'u-claimed', via: 'report' }, { source: 'api' }),
    ], ctx);
    expect(rows.get(key)).toMatchObject({ unionid: 'u-real', unionidReported: false, unionidConflict: ['u-claimed'] });
  });

  it('WeChat confirming a reported unionid makes it verified, with no conflict', () => {
    const event = eventBuilder();
    const rows = foldAll([
      event('unionid.resolved', { ...user, unionid: 'u1', via: 'report' }, { source: 'api' }),
      event('oauth.authorized', { ...user, scope: 'snsapi_base', unionid: 'u1' }, { source: 'oauth' }),
    ], ctx);
    expect(rows.get(key)).toMatchObject({ unionid: 'u1', unionidReported: false, unionidConflict: [] });
  });

  it('among reports, and among WeChat answers, the first by position still wins', () => {
    const event = eventBuilder();
    const reported = foldAll([
      event('unionid.resolved', { ...user, unionid: 'u1', via: 'report' }, { source: 'api' }),
      event('unionid.resolved', { ...user, unionid: 'u2', via: 'report' }, { source: 'api' }),
    ], ctx);
    expect(reported.get(key)).toMatchObject({ unionid: 'u1', unionidReported: true, unionidConflict: ['u2'] });
    const verified = foldAll([
      event('unionid.resolved', { ...user, unionid: 'u1', via: 'code2session' }),
      event('unionid.resolved', { ...user, unionid: 'u2', via: 'batchget' }),
    ], ctx);
    expect(verified.get(key)).toMatchObject({ unionid: 'u1', unionidReported: false, unionidConflict: ['u2'] });
  });

  it('a converted openid whose own unionid was only reported takes the verified one of its old openid', () => {
    const event = eventBuilder();
    const rows = foldAll([
      event('unionid.resolved', { appid: OA, openid: 'old1', unionid: 'u-real', via: 'user_info' }),
      event('unionid.resolved', { appid: NEW_OA, openid: 'new1', unionid: 'u-claimed', via: 'report' }, { source: 'api' }),
      event('openid.converted', { fromAppid: OA, fromOpenid: 'old1', toAppid: NEW_OA, toOpenid: 'new1' }, { source: 'conversion' }),
    ], ctx);
    expect(rows.get(keyOf(NEW_OA, 'new1'))).toMatchObject({ unionid: 'u-real', unionidReported: false, unionidConflict: ['u-claimed'] });
  });

  it('one WeChat answer among any reports, in any order: the answer holds the unionid', () => {
    const claims = fc.record({
      reports: fc.array(fc.constantFrom('r1', 'r2', 'r3', 'u-real'), { maxLength: 6 }),
      at: fc.nat(),
    });
    fc.assert(
      fc.property(claims, ({ reports, at }) => {
        const event = eventBuilder();
        const events: LedgerEvent[] = reports.map((unionid) => event('unionid.resolved', { ...user, unionid, via: 'report' }, { source: 'api' }));
        const verified = event('unionid.resolved', { ...user, unionid: 'u-real', via: 'code2session' }, { source: 'login' });
        events.splice(at % (events.length + 1), 0, verified);
        // Positions follow the order of the list, as the ledger would assign them.
        const ordered = events.map((e, i) => ({ ...e, position: i + 1 }) as LedgerEvent);
        const row = foldAll(ordered, ctx).get(key)!;
        expect(row.unionid).toBe('u-real');
        expect(row.unionidReported).toBe(false);
        expect([...row.unionidConflict].sort()).toEqual([...new Set(reports.filter((u) => u !== 'u-real'))].sort());
      }),
    );
  });
});
