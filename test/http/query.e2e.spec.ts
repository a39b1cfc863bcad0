import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2E, OA, MP, READ_KEY, type E2E, keepWithdrawals } from '../support/e2eHarness.ts';
import { until } from '../support/until.ts';

const json = (response: Response): Promise<any> => response.json();

describe('identity and follow queries over HTTP', () => {
  let e2e: E2E;
  let oaOpenid: string;
  let unionid: string;
  let mpOpenid: string;
  let beforeUnfollow: string;
  beforeAll(async () => {
    e2e = await startE2E({ configure: keepWithdrawals });
    oaOpenid = e2e.simulator.state.openidOf(OA.appid, 5);
    unionid = e2e.simulator.state.unionidOf(OA.appid, 5);
    mpOpenid = e2e.simulator.state.openidOf(MP.appid, 5);
  });
  afterAll(async () => {
    await e2e?.close();
  });
  const get = async (path: string) => e2e.api(path, { key: READ_KEY });
  const head = () => e2e.server.service.ledger.head();

  it('an OA follower who never opened the MP is linked the moment the MP login with the same unionid arrives', async () => {
    expect((await e2e.push(OA.appid, { event: 'subscribe', openid: oaOpenid, eventKey: 'qrscene_poster' }, 'safe')).body).toBe('success');
    await until(async () => (await e2e.server.service.ledger.read({ unionid })).length > 0, 15_000, 'the unionid', 50);
    const before = await json(await get(`/v1/follow-status?appid=${OA.appid}&viaAppid=${MP.appid}&viaOpenid=${mpOpenid}&minPosition=${await head()}`));
    expect(before).toEqual({ subscribed: false, openid: null });

    const code = e2e.simulator.state.issueCode(MP.appid, { openid: mpOpenid, unionid });
    const login = await json(await e2e.api(`/v1/miniprogram/${MP.appid}/login`, { method: 'POST', body: JSON.stringify({ code }) }));
    expect(login).toEqual({ openid: mpOpenid, unionid });

    const status = await json(await get(`/v1/follow-status?appid=${OA.appid}&viaAppid=${MP.appid}&viaOpenid=${mpOpenid}&minPosition=${await head()}`));
    expect(status).toEqual({ subscribed: true, openid: oaOpenid });
    expect(await json(await get(`/v1/follow-status?appid=${OA.appid}&unionid=${unionid}`))).toEqual({ subscribed: true, openid: oaOpenid });
  });

  it('GET a user: kind, unionid, follow, linked accounts (DESIGN §4 shape)', async () => {
    const user = await json(await get(`/v1/accounts/${OA.appid}/users/${oaOpenid}`));
    expect(user).toEqual({
      appid: OA.appid,
      openid: oaOpenid,
      kind: 'oa',
      unionid,
      follow: { subscribed: true, subscribedAt: expect.any(String), unsubscribedAt: null, scene: 'poster', source: 'webhook' },
      linked: [{ appid: MP.appid, openid: mpOpenid, kind: 'mp' }],
      convertedTo: null,
      convertedFrom: null,
    });
    expect((await get(`/v1/accounts/${OA.appid}/users/o-never-seen`)).status).toBe(404);
  });

  it('GET a unionid lists every linked account with follow state', async () => {
    const view = await json(await get(`/v1/unionids/${unionid}`));
    expect(view.unionid).toBe(unionid);
    expect(view.accounts).toEqual(
      expect.arrayContaining([
        { appid: OA.appid, openid: oaOpenid, kind: 'oa', follow: expect.objectContaining({ subscribed: true }) },
        { appid: MP.appid, openid: mpOpenid, kind: 'mp', follow: null },
      ]),
    );
    expect((await get('/v1/unionids/u-nobody')).status).toBe(404);
  });

  it('?asOf answers from history', async () => {
    // CreateTime has one-second resolution: the unsubscribe is stamped the next whole second, and
    // `beforeUnfollow` is the millisecond before it (after everything pushed so far).
    const unfollowAt = Math.floor(Date.now() / 1000) + 1;
    beforeUnfollow = new Date(unfollowAt * 1000 - 1).toISOString();
    expect((await e2e.push(OA.appid, { event: 'unsubscribe', openid: oaOpenid, createTime: unfollowAt })).body).toBe('success');
    const now = await json(await get(`/v1/accounts/${OA.appid}/users/${oaOpenid}?minPosition=${await head()}`));
    expect(now.follow.subscribed).toBe(false);
    const then = await json(await get(`/v1/accounts/${OA.appid}/users/${oaOpenid}?asOf=${encodeURIComponent(beforeUnfollow)}`));
    expect(then.follow.subscribed).toBe(true);
    expect(then.unionid).toBe(unionid);
  });

  it('lists followers with cursor paging, and account stats', async () => {
    for (let i = 10; i < 15; i++) await e2e.push(OA.appid, { event: 'subscribe', openid: e2e.simulator.state.openidOf(OA.appid, i) });
    await e2e.server.service.projections.waitFor(await head());
    const first = await json(await get(`/v1/accounts/${OA.appid}/followers?limit=3`));
    expect(first.followers).toHaveLength(3);
    const second = await json(await get(`/v1/accounts/${OA.appid}/followers?limit=3&cursor=${encodeURIComponent(first.next)}`));
    const all = [...first.followers, ...second.followers].map((f: { openid: string }) => f.openid);
    expect(new Set(all).size).toBe(5);
    expect(second.next).toBeNull();
    const stats = await json(await get(`/v1/accounts/${OA.appid}/stats`));
    expect(stats).toMatchObject({ appid: OA.appid, followers: 5, unfollowed: 1 });
  });

  it('reports projections, rebuilds one blue/green, and verifies ledger and projections', async () => {
    const status = await json(await get('/v1/projections'));
    expect(status.projections.map((p: { name: string }) => p.name).sort()).toEqual(['daily-stats', 'follow-state', 'identity-links']);
    const rebuild = await e2e.api('/v1/projections/follow-state/rebuild', { method: 'POST' });
    expect(rebuild.status).toBe(202);
    const { version } = await json(rebuild);
    await until(async () => (await json(await get('/v1/projections'))).projections.find((p: { name: string; version: number }) => p.name === 'follow-state' && p.version === version), 15_000, 'the rebuilt version', 50);
    expect(await json(await get(`/v1/follow-status?appid=${OA.appid}&unionid=${unionid}`))).toEqual({ subscribed: false, openid: oaOpenid });
    expect((await e2e.api('/v1/projections/nope/rebuild', { method: 'POST' })).status).toBe(404);
    expect((await get('/v1/ledger/verify')).status).toBe(403);
    const verify = await json(await e2e.api('/v1/ledger/verify'));
    expect(verify.ok).toBe(true);
    expect(verify.ledger.ok).toBe(true);
    expect(verify.projections.every((p: { ok: boolean }) => p.ok)).toBe(true);
  });
});
