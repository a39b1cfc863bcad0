import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAccountStats } from '../../projections/query/getAccountStats.ts';
import { getFollowStatus } from '../../projections/query/getFollowStatus.ts';
import { getUnionid } from '../../projections/query/getUnionid.ts';
import { getUser } from '../../projections/query/getUser.ts';
import { getUserAsOf } from '../../projections/query/getUserAsOf.ts';
import { listFollowers } from '../../projections/query/listFollowers.ts';
import { verifyProjections } from '../../projections/verifyProjections.ts';
import { configuredAccounts as ctx } from './context.ts';
import { at, MP, NEW_OA, OA, WEB } from './eventBuilder.ts';
import { startHarness, type Harness } from './support/projectionHarness.ts';
import { newEvents as e } from './support/newIdentityEvents.ts';

// Every scenario uses its own openids/unionids, so they share one database and one runner.
describe('projections through the real daemon (PostgreSQL): append, wait, query', () => {
  let h: Harness;
  const db = () => h.storage.db;
  beforeAll(async () => {
    h = await startHarness('postgres');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('a late retry of an old subscribe does not undo a newer unsubscribe', async () => {
    await h.append(e.unsubscribed(OA, 'order1', { minute: 10 }));
    await h.append(e.subscribed(OA, 'order1', { minute: 5, scene: 'qrscene_poster' }));
    expect(await getUser(db(), OA, 'order1')).toEqual({
      appid: OA,
      openid: 'order1',
      kind: 'oa',
      unionid: null,
      follow: { subscribed: false, subscribedAt: at(5), unsubscribedAt: at(10), scene: 'qrscene_poster', source: 'webhook' },
      linked: [],
      convertedTo: null,
      convertedFrom: null,
    });

    await h.append(e.subscribed(OA, 'order1', { minute: 20 }));
    expect((await getUser(db(), OA, 'order1'))?.follow).toEqual({
      subscribed: true, subscribedAt: at(20), unsubscribedAt: at(10), scene: null, source: 'webhook',
    });
  });

  it('a push delivered three times, or appended again under a new key, changes nothing', async () => {
    const push = e.subscribed(OA, 'retry1', { minute: 3, key: 'oa:retry1:1704067380:subscribe' });
    const first = await h.append(push);
    expect(await h.append(push)).toBe(first);
    expect(await h.append(push)).toBe(first);
    const before = await getUser(db(), OA, 'retry1');
    await h.append({ ...push, meta: { ...push.meta, idempotencyKey: 'dedupe-missed' } });
    expect(await getUser(db(), OA, 'retry1')).toEqual(before);
    const events = await h.ledger.read({ appid: OA, openid: 'retry1' });
    expect(events).toHaveLength(2);
  });

  it('an MP user who logged in first is linked when the OA learns the same unionid after a follow', async () => {
    await h.append(e.login(MP, 'mpA', 'uA', { minute: 1 }));
    await h.append(e.subscribed(OA, 'oaA', { minute: 2 }));
    expect(await getFollowStatus(db(), { appid: OA, viaAppid: MP, viaOpenid: 'mpA' })).toEqual({ subscribed: false, openid: null });

    await h.append(e.resolved(OA, 'oaA', 'uA', 'user_info', { minute: 2 }));
    expect(await getUser(db(), MP, 'mpA')).toEqual({
      appid: MP, openid: 'mpA', kind: 'mp', unionid: 'uA', follow: null,
      linked: [{ appid: OA, openid: 'oaA', kind: 'oa' }], convertedTo: null, convertedFrom: null,
    });
    expect(await getFollowStatus(db(), { appid: OA, viaAppid: MP, viaOpenid: 'mpA' })).toEqual({ subscribed: true, openid: 'oaA' });
    expect(await getFollowStatus(db(), { appid: OA, unionid: 'uA' })).toEqual({ subscribed: true, openid: 'oaA' });
    expect(await getUnionid(db(), 'uA')).toEqual({
      unionid: 'uA',
      accounts: [
        { appid: MP, openid: 'mpA', kind: 'mp', follow: null },
        { appid: OA, openid: 'oaA', kind: 'oa', follow: { subscribed: true, subscribedAt: at(2), unsubscribedAt: null, scene: null, source: 'webhook' } },
      ],
    });
  });

  it('an OA follower who opens the MP later is linked by the login, and web OAuth joins too', async () => {
    await h.append(e.subscribed(OA, 'oaB', { minute: 1 }), e.resolved(OA, 'oaB', 'uB', 'user_info', { minute: 1 }));
    expect((await getUser(db(), OA, 'oaB'))?.linked).toEqual([]);
    await h.append(e.login(MP, 'mpB', 'uB', { minute: 30 }));
    await h.append({
      type: 'oauth.authorized',
      data: { appid: WEB, openid: 'webB', scope: 'snsapi_userinfo', unionid: 'uB' },
      meta: { source: 'oauth', idempotencyKey: 'oauth:webB' },
      occurredAt: at(31),
    });
    expect((await getUser(db(), OA, 'oaB'))?.linked).toEqual([
      { appid: MP, openid: 'mpB', kind: 'mp' },
      { appid: WEB, openid: 'webB', kind: 'web' },
    ]);
    expect((await getUser(db(), MP, 'mpB'))?.linked).toEqual([
      { appid: OA, openid: 'oaB', kind: 'oa' },
      { appid: WEB, openid: 'webB', kind: 'web' },
    ]);
    expect(await getFollowStatus(db(), { appid: OA, viaAppid: WEB, viaOpenid: 'webB' })).toEqual({ subscribed: true, openid: 'oaB' });
  });

  it('a unionid learned late (decrypt, batchget backfill) links rows first seen without one', async () => {
    await h.append(e.login(MP, 'mpC', undefined, { minute: 1 }), e.subscribed(OA, 'oaC', { minute: 2 }));
    expect((await getUser(db(), MP, 'mpC'))?.unionid).toBeNull();
    const pending = await getAccountStats(db(), OA);
    await h.append(e.resolved(MP, 'mpC', 'uC', 'decrypt', { minute: 5 }));
    expect(await getFollowStatus(db(), { appid: OA, viaAppid: MP, viaOpenid: 'mpC' })).toEqual({ subscribed: false, openid: null });
    await h.append(e.resolved(OA, 'oaC', 'uC', 'batchget', { minute: 50 }));
    expect(await getFollowStatus(db(), { appid: OA, viaAppid: MP, viaOpenid: 'mpC' })).toEqual({ subscribed: true, openid: 'oaC' });
    const after = await getAccountStats(db(), OA);
    expect(after.withUnionid - pending.withUnionid).toBe(1);
    expect(pending.withoutUnionid - after.withoutUnionid).toBe(1);
  });

  it('a converted follower keeps following under the new account, with the old unionid', async () => {
    await h.append(e.subscribed(OA, 'oaD', { minute: 1, scene: 'qrscene_d' }), e.resolved(OA, 'oaD', 'uD', 'user_info', { minute: 1 }));
    await h.append(e.login(MP, 'mpD', 'uD', { minute: 2 }));
    await h.append(e.converted(OA, 'oaD', NEW_OA, 'newD', { minute: 60 }));
    expect(await getUser(db(), NEW_OA, 'newD')).toEqual({
      appid: NEW_OA, openid: 'newD', kind: 'oa', unionid: 'uD',
      follow: { subscribed: true, subscribedAt: at(1), unsubscribedAt: null, scene: 'qrscene_d', source: 'conversion' },
      linked: [{ appid: MP, openid: 'mpD', kind: 'mp' }, { appid: OA, openid: 'oaD', kind: 'oa' }],
      convertedTo: null,
      convertedFrom: { appid: OA, openid: 'oaD' },
    });
    expect((await getUser(db(), OA, 'oaD'))?.convertedTo).toEqual({ appid: NEW_OA, openid: 'newD' });
    expect(await getFollowStatus(db(), { appid: NEW_OA, viaAppid: MP, viaOpenid: 'mpD' })).toEqual({ subscribed: true, openid: 'newD' });
    expect(await getAccountStats(db(), NEW_OA)).toMatchObject({ appid: NEW_OA, followers: 1, converted: 1 });
  });

  it('a conflicting unionid claim is recorded, never overwrites, and links no one', async () => {
    await h.append(e.login(MP, 'mpE', 'uE', { minute: 1 }));
    const before = (await getAccountStats(db(), MP)).conflicts;
    await h.append(e.resolved(MP, 'mpE', 'uE-other', 'decrypt', { minute: 2 }));
    expect((await getUser(db(), MP, 'mpE'))?.unionid).toBe('uE');
    expect(await getUnionid(db(), 'uE-other')).toBeNull();
    expect((await getAccountStats(db(), MP)).conflicts).toBe(before + 1);
  });

  it('lists followers by keyset pages, with their unionids', async () => {
    const appid = 'wxpaged';
    await h.append(...['f3', 'f1', 'f5', 'f2', 'f4'].map((openid, i) => e.subscribed(appid, openid, { minute: i })));
    await h.append(e.unsubscribed(appid, 'f4', { minute: 30 }), e.resolved(appid, 'f2', 'uF2', 'user_info'));
    const first = await listFollowers(db(), appid, { limit: 2 });
    expect(first.followers).toEqual([
      { openid: 'f1', subscribedAt: at(1), scene: null, unionid: null },
      { openid: 'f2', subscribedAt: at(3), scene: null, unionid: 'uF2' },
    ]);
    const second = await listFollowers(db(), appid, { limit: 2, cursor: first.next! });
    // The page is read one row long, so the last page says it is the last.
    expect(second.followers.map((f) => f.openid)).toEqual(['f3', 'f5']);
    expect(second.next).toBeNull();
    expect(await listFollowers(db(), appid, { limit: 10 })).toMatchObject({ next: null });
    expect(await getAccountStats(db(), appid)).toEqual({
      appid, followers: 4, unfollowed: 1, withUnionid: 1, withoutUnionid: 4, conflicts: 0, converted: 0,
    });
    expect(await getAccountStats(db(), 'wxnever')).toEqual({
      appid: 'wxnever', followers: 0, unfollowed: 0, withUnionid: 0, withoutUnionid: 0, conflicts: 0, converted: 0,
    });
  });

  it('answers null for an openid never seen', async () => {
    expect(await getUser(db(), OA, 'nobody')).toBeNull();
    expect(await getUnionid(db(), 'nobody')).toBeNull();
    expect(await getFollowStatus(db(), { appid: OA, unionid: 'nobody' })).toEqual({ subscribed: false, openid: null });
  });

  it('getUserAsOf answers from history: follow state and links as they were at that time', async () => {
    await h.append(e.subscribed(OA, 'oaH', { minute: 1 }), e.login(MP, 'mpH', 'uH', { minute: 2 }));
    await h.append(e.unsubscribed(OA, 'oaH', { minute: 5 }), e.resolved(OA, 'oaH', 'uH', 'user_info', { minute: 8 }));
    const asOf = (minute: number) => getUserAsOf(h.ledger, OA, 'oaH', new Date(at(minute)), ctx);
    expect(await asOf(0)).toBeNull();
    expect(await asOf(3)).toEqual({
      appid: OA, openid: 'oaH', kind: 'oa', unionid: null,
      follow: { subscribed: true, subscribedAt: at(1), unsubscribedAt: null, scene: null, source: 'webhook' },
      linked: [], convertedTo: null, convertedFrom: null,
    });
    expect(await asOf(9)).toEqual({
      appid: OA, openid: 'oaH', kind: 'oa', unionid: 'uH',
      follow: { subscribed: false, subscribedAt: at(1), unsubscribedAt: at(5), scene: null, source: 'webhook' },
      linked: [{ appid: MP, openid: 'mpH', kind: 'mp' }], convertedTo: null, convertedFrom: null,
    });
    // Through a conversion: the new row inherits the unionid of a row it shares no event with.
    await h.append(e.converted(OA, 'oaH', NEW_OA, 'newH', { minute: 70 }));
    expect((await getUserAsOf(h.ledger, NEW_OA, 'newH', new Date(at(69)), ctx))).toBeNull();
    expect(await getUserAsOf(h.ledger, NEW_OA, 'newH', new Date(at(71)), ctx)).toEqual(await getUser(db(), NEW_OA, 'newH'));
  });

  it('getUserAsOf(now) equals getUser for every user, and the tables equal a fresh fold', async () => {
    const events = await h.ledger.read({ limit: 10_000 });
    const keys = new Map<string, [string, string]>();
    for (const event of events) {
      const d = event.data as Record<string, string>;
      if (d.openid) keys.set(`${d.appid}/${d.openid}`, [d.appid!, d.openid]);
      if (d.toOpenid) keys.set(`${d.toAppid}/${d.toOpenid}`, [d.toAppid!, d.toOpenid]);
    }
    const now = new Date('2100-01-01T00:00:00Z');
    for (const [appid, openid] of keys.values()) {
      expect(await getUserAsOf(h.ledger, appid, openid, now, ctx), `${appid}/${openid}`).toEqual(await getUser(db(), appid, openid));
    }
    const verified = await verifyProjections(h.ledger, ctx);
    expect(verified.map((v) => [v.name, v.ok, v.count])).toEqual([['identity-links', true, 0], ['follow-state', true, 0], ['daily-stats', true, 0]]);
    expect(verified[0]!.checked).toBeGreaterThan(20);
  });
});
