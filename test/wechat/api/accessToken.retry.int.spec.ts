import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryTokenStore, type TokenStore } from '../../../src/wechat/api/tokenStore.ts';
import { isWechatApiError } from '../../../src/wechat/api/errcodes.ts';
import { OA, startFixture, type Fixture } from './simulatorFixture.ts';
import { until } from '../../support/until.ts';

describe('access token: expiry, retry and quota circuit', () => {
  let fixture: Fixture;
  let store: TokenStore;

  beforeAll(async () => {
    fixture = await startFixture({ accounts: [{ ...OA, followers: { count: 5 } }], tokenOverlapSeconds: 0 });
  });
  afterAll(() => fixture?.close());
  beforeEach(() => {
    store = createMemoryTokenStore();
    fixture.simulator.state.resetCounts();
  });

  it('a 40001 expires the failed token and retries the call once with a fresh one', async () => {
    const client = fixture.client(OA, { tokenStore: store });
    const first = await client.accessToken.get();
    fixture.simulator.state.revokeTokens(OA.appid);
    const page = await client.user.getFollowers();
    expect(page.count).toBe(5);
    expect(fixture.simulator.state.tokenCalls(OA.appid)).toBe(2);
    expect(fixture.simulator.state.callCount('user/get')).toBe(2);
    const stored = await store.get(OA.appid);
    expect(stored?.token).not.toBe(first);
  });

  it('42001 (expired) is retried once too', async () => {
    const client = fixture.client(OA, { tokenStore: store });
    await client.accessToken.get();
    fixture.simulator.state.expireTokens(OA.appid);
    await expect(client.user.getFollowers()).resolves.toMatchObject({ count: 5 });
    expect(fixture.simulator.state.callCount('user/get')).toBe(2);
  });

  it('retries at most once: a second token error is thrown', async () => {
    const client = fixture.client(OA, { tokenStore: store });
    fixture.simulator.state.failNext('user/get', 40001, 2);
    const error = await client.user.getFollowers().catch((e: unknown) => e);
    expect(isWechatApiError(error, 'token_invalid')).toBe(true);
    expect(fixture.simulator.state.callCount('user/get')).toBe(2);
  });

  it('compare-and-expire: a stale failing token does not expire the newer stored one', async () => {
    // Process A holds token T1 in memory; process B later fetched T2 (cgi-bin/token, so T1 dies).
    const settings = { apiBase: fixture.running.url, tokenEndpoint: 'token' as const, callsPerSecond: 1000 };
    const a = fixture.client(OA, { tokenStore: store, settings });
    const t1 = await a.accessToken.get();
    await store.expireIf(OA.appid, t1);
    const b = fixture.client(OA, { tokenStore: store, settings });
    const t2 = await b.accessToken.get();
    expect(t2).not.toBe(t1);
    fixture.simulator.state.resetCounts();

    await expect(a.user.getFollowers()).resolves.toMatchObject({ count: 5 });
    expect((await store.get(OA.appid))?.token).toBe(t2);
    // A re-read the store instead of fetching (which would have killed T2 for B).
    expect(fixture.simulator.state.tokenCalls(OA.appid)).toBe(0);
    expect(await a.accessToken.get()).toBe(t2);
    await expect(b.user.getFollowers()).resolves.toMatchObject({ count: 5 });
  });

  it('expireIf only deletes the token it names', async () => {
    await store.put(OA.appid, 'T-new', new Date(Date.now() + 7_200_000));
    expect(await store.expireIf(OA.appid, 'T-old')).toBe(false);
    expect((await store.get(OA.appid))?.token).toBe('T-new');
    expect(await store.expireIf(OA.appid, 'T-new')).toBe(true);
    expect(await store.get(OA.appid)).toBeNull();
  });

  it('45009 opens the circuit: no token refresh, later calls fail fast until the cool-down', async () => {
    const client = fixture.client(OA, { tokenStore: store, tuning: { backoffMs: 5, quotaCooldownMs: 200 } });
    await client.accessToken.get();
    fixture.simulator.state.resetCounts();
    fixture.simulator.state.failNext('user/get', 45009, 1);

    const first = await client.user.getFollowers().catch((e: unknown) => e);
    expect(isWechatApiError(first, 'quota_exhausted')).toBe(true);
    const second = await client.user.getFollowers().catch((e: unknown) => e);
    expect(isWechatApiError(second, 'quota_exhausted')).toBe(true);
    expect(fixture.simulator.state.callCount('user/get')).toBe(1);
    expect(fixture.simulator.state.tokenCalls()).toBe(0);
    // Other APIs are not affected by user/get's quota.
    await expect(client.user.userInfo(fixture.simulator.state.openidOf(OA.appid, 0))).resolves.toMatchObject({ subscribed: true });

    // Once the circuit's cooldown (200 ms) is over, the next call goes out again.
    const page = await until(() => client.user.getFollowers().catch(() => null), 5000, 'the quota circuit to close');
    expect(page).toMatchObject({ count: 5 });
    expect(fixture.simulator.state.tokenCalls()).toBe(0);
  });

  it('45009 on the token endpoint is not retried as a refresh loop', async () => {
    const client = fixture.client(OA, { tokenStore: store, tuning: { backoffMs: 5, quotaCooldownMs: 60_000 } });
    fixture.simulator.state.failNext('stable_token', 45009, 1);
    const error = await client.user.getFollowers().catch((e: unknown) => e);
    expect(isWechatApiError(error, 'quota_exhausted')).toBe(true);
    await expect(client.accessToken.get()).rejects.toMatchObject({ kind: 'quota_exhausted' });
    expect(fixture.simulator.state.tokenCalls()).toBe(1);
  });

  it('a wrong secret is credentials_rejected, not a token to retry', async () => {
    const client = fixture.client({ appid: OA.appid, secret: 'wrong' }, { tokenStore: store });
    await expect(client.user.getFollowers()).rejects.toMatchObject({ kind: 'credentials_rejected', errcode: 40125, status: 502 });
    expect(fixture.simulator.state.callCount('user/get')).toBe(0);
  });
});
