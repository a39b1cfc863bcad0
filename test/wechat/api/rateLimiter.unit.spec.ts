import { describe, expect, it } from 'vitest';
import { createTokenBucket } from '../../../src/wechat/api/rateLimiter.ts';
import { createWechatHttp } from '../../../src/wechat/api/httpClient.ts';

describe('token bucket', () => {
  it('lets a burst through, then holds the rate', async () => {
    const bucket = createTokenBucket({ ratePerSecond: 50, burst: 10 });
    const started = performance.now();
    const done: number[] = [];
    await Promise.all(Array.from({ length: 30 }, () => bucket.acquire().then(() => done.push(performance.now() - started))));
    // The burst is served without waiting for a timer; the 11th waits for a new token (20 ms at 50/s).
    const at = (i: number) => done[i] as number;
    expect(at(10) - at(9)).toBeGreaterThanOrEqual(18);
    expect(at(9) - at(0)).toBeLessThan(at(10) - at(9));
    // 20 after the burst at 50/s take ≥ 400 ms.
    expect(at(29)).toBeGreaterThanOrEqual(380);
  });

  it('serves waiters in arrival order', async () => {
    const bucket = createTokenBucket({ ratePerSecond: 100, burst: 1 });
    const order: number[] = [];
    await Promise.all(Array.from({ length: 5 }, (_, i) => bucket.acquire().then(() => order.push(i))));
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });
  it('tells a caller that may not wait long at once, without taking a token', async () => {
    let clock = 0;
    const bucket = createTokenBucket({ ratePerSecond: 10, burst: 2, now: () => clock });
    expect(await bucket.acquire(0)).toBe(true);
    expect(await bucket.acquire(0)).toBe(true);
    // The burst is spent: the next token is 100 ms away.
    expect(await bucket.acquire(50)).toBe(false);
    expect(await bucket.acquire(0)).toBe(false);
    clock = 100;
    expect(await bucket.acquire(0)).toBe(true);
  });

  it('a flood of callers that may wait does not make a bounded caller wait behind it', async () => {
    const bucket = createTokenBucket({ ratePerSecond: 1000, burst: 1 });
    const flood = Array.from({ length: 2000 }, () => bucket.acquire());
    // 2,000 reservations at 1,000/s: a newcomer would wait ~2 s.
    expect(await bucket.acquire(100)).toBe(false);
    expect((await Promise.all(flood)).every(Boolean)).toBe(true);
  });
});

describe('the WeChat HTTP client behind its rate limit', () => {
  const ok = async () => new Response(JSON.stringify({ errcode: 0 }), { headers: { 'content-type': 'application/json' } });
  const http = () => createWechatHttp({ appid: 'wxa', apiBase: 'http://wechat.test', callsPerSecond: 20, tuning: { interactiveQueueWaitMs: 0 }, fetch: ok as typeof fetch });

  it('answers interactive calls past the queue bound with 429 wechat_rate_limited', async () => {
    const client = http();
    const calls = Array.from({ length: 40 }, () => client.call({ api: 'jscode2session', method: 'GET', path: 'sns/jscode2session', interactive: true }).then(() => 'ok', (e: { code?: string; status?: number }) => `${e.status} ${e.code}`));
    const outcomes = await Promise.all(calls);
    expect(outcomes.filter((o) => o === 'ok').length).toBe(20);
    expect(outcomes.filter((o) => o === '429 wechat_rate_limited').length).toBe(20);
  });

  it('lets the calls of jobs (not interactive) wait their turn: none fails', async () => {
    const client = http();
    const outcomes = await Promise.all(Array.from({ length: 30 }, () => client.call({ api: 'user/info/batchget', method: 'POST', path: 'cgi-bin/user/info/batchget' }).then(() => 'ok')));
    expect(outcomes.every((o) => o === 'ok')).toBe(true);
  });
});
