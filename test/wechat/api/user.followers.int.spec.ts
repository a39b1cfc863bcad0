import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OA, startFixture, type Fixture } from './simulatorFixture.ts';

describe('user API against the simulator', () => {
  let fixture: Fixture;

  beforeAll(async () => {
    fixture = await startFixture({ accounts: [{ ...OA, followers: { count: 23_000, seed: 'users' } }] });
  });
  afterAll(() => fixture?.close());

  it('pages until count 0 — the last full page still carries a next_openid', async () => {
    const client = fixture.client(OA);
    fixture.simulator.state.resetCounts();
    const pages = [];
    for await (const page of client.user.followerPages()) pages.push(page);
    expect(pages.map((p) => p.count)).toEqual([10_000, 10_000, 3_000]);
    expect(pages[2]?.nextOpenid).toBe(pages[2]?.openids.at(-1));
    expect(pages[2]?.nextOpenid).not.toBe('');
    // Three pages and the one call that answered count 0.
    expect(fixture.simulator.state.callCount('user/get')).toBe(4);
    expect(pages.map((p) => p.cursor)).toEqual([null, pages[0]?.nextOpenid, pages[1]?.nextOpenid]);
    expect(new Set(pages.flatMap((p) => p.openids)).size).toBe(23_000);
  });

  it('resumes from a persisted cursor', async () => {
    const client = fixture.client(OA);
    const first = await client.user.getFollowers();
    const rest = [];
    for await (const page of client.user.followerPages(first.nextOpenid)) rest.push(page.count);
    expect(rest).toEqual([10_000, 3_000]);
  });

  it('the final call answers count 0 and no data', async () => {
    const client = fixture.client(OA);
    const last = fixture.simulator.state.openidOf(OA.appid, 22_999);
    await expect(client.user.getFollowers(last)).resolves.toEqual({ total: 23_000, count: 0, openids: [], nextOpenid: '' });
  });

  it('batchget sends 100 openids a call: 250 openids → 3 calls, all answered in order', async () => {
    const client = fixture.client(OA);
    await client.accessToken.get();
    fixture.simulator.state.resetCounts();
    const openids = Array.from({ length: 250 }, (_, i) => fixture.simulator.state.openidOf(OA.appid, i));
    const users = await client.user.batchGetUserInfo(openids);
    expect(fixture.simulator.state.callCount('user/info/batchget')).toBe(3);
    expect(users.map((u) => u.openid)).toEqual(openids);
    expect(users[7]).toMatchObject({ subscribed: true, unionid: fixture.simulator.state.unionidOf(OA.appid, 7) });
    expect(users.every((u) => typeof u.subscribeTime === 'number')).toBe(true);
  });

  it('userInfo: follower with unionid; unfollowed → subscribed false; unknown → invalid_openid', async () => {
    const client = fixture.client(OA);
    const { state } = fixture.simulator;
    const openid = state.openidOf(OA.appid, 42);
    await expect(client.user.userInfo(openid)).resolves.toMatchObject({
      openid,
      subscribed: true,
      unionid: state.unionidOf(OA.appid, 42),
    });
    state.unfollow(OA.appid, openid);
    await expect(client.user.userInfo(openid)).resolves.toMatchObject({ subscribed: false, subscribeTime: null });
    state.follow(OA.appid, openid);
    await expect(client.user.userInfo(openid)).resolves.toMatchObject({
      subscribed: true,
      subscribeTime: Math.floor(state.now() / 1000),
    });
    await expect(client.user.userInfo('oNOTANOPENID0000000000000000')).rejects.toMatchObject({ kind: 'invalid_openid' });
  });
});
