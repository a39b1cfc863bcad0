import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createWechatHttp, type CallInfo } from '../../../src/wechat/api/httpClient.ts';
import { isWechatApiError } from '../../../src/wechat/api/errcodes.ts';
import { OA, startFixture, type Fixture } from './simulatorFixture.ts';

describe('http base: retries, typed errors, metrics, rate limit', () => {
  let fixture: Fixture;

  beforeAll(async () => {
    fixture = await startFixture({ accounts: [{ ...OA, followers: { count: 3 } }] });
  });
  afterAll(() => fixture?.close());
  beforeEach(() => {
    fixture.simulator.state.clearFaults();
    fixture.simulator.state.resetCounts();
    fixture.calls.length = 0;
  });

  it('retries -1 (system busy) with backoff and reports every attempt to onCall', async () => {
    const client = fixture.client(OA);
    await client.accessToken.get();
    fixture.calls.length = 0;
    fixture.simulator.state.failNext('user/get', -1, 2);
    await expect(client.user.getFollowers()).resolves.toMatchObject({ count: 3 });
    expect(fixture.calls.filter((c) => c.api === 'user/get').map((c) => c.errcode)).toEqual([-1, -1, 0]);
    expect(fixture.calls.every((c) => c.appid === OA.appid && c.ms >= 0)).toBe(true);
  });

  it('gives up after the bounded retries with upstream_failure (502)', async () => {
    const client = fixture.client(OA, { tuning: { backoffMs: 1, retries: 2 } });
    fixture.simulator.state.failNext('user/get', -1, 3);
    const error = await client.user.getFollowers().catch((e: unknown) => e);
    expect(isWechatApiError(error, 'upstream_failure')).toBe(true);
    expect((error as { status: number }).status).toBe(502);
    expect(fixture.simulator.state.callCount('user/get')).toBe(3);
  });

  it('does not retry a refusal such as 40003', async () => {
    const client = fixture.client(OA);
    await expect(client.user.userInfo('not-an-openid')).rejects.toMatchObject({ kind: 'invalid_openid', errcode: 40003, status: 400 });
    expect(fixture.simulator.state.callCount('user/info')).toBe(1);
  });

  it('a network failure is retried, then upstream_failure without leaking the URL', async () => {
    const calls: CallInfo[] = [];
    const http = createWechatHttp({
      appid: OA.appid,
      apiBase: 'http://127.0.0.1:1',
      callsPerSecond: 100,
      tuning: { retries: 2, backoffMs: 1 },
      onCall: (info) => calls.push(info),
    });
    const error = await http
      .call({ api: 'jscode2session', method: 'GET', path: 'sns/jscode2session', query: { secret: 'TOP-SECRET' } })
      .catch((e: unknown) => e);
    expect(isWechatApiError(error, 'upstream_failure')).toBe(true);
    expect(String((error as Error).message)).not.toContain('TOP-SECRET');
    expect(calls).toHaveLength(3);
    expect(calls.every((c) => c.errcode === null)).toBe(true);
  });

  it('limits calls per appid and API with a token bucket', async () => {
    const client = fixture.client(OA, {
      settings: { apiBase: fixture.running.url, tokenEndpoint: 'stable_token', callsPerSecond: 20 },
    });
    await client.accessToken.get();
    const started = performance.now();
    await Promise.all(Array.from({ length: 40 }, () => client.user.getFollowers()));
    const elapsed = performance.now() - started;
    // A burst of 20, then 20 more at 20/s: at least ~1 s.
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(fixture.simulator.state.callCount('user/get')).toBe(40);
  });
});
