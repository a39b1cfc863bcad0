import { describe, expect, it } from 'vitest';
import { createTokenBucket } from '../../../src/wechat/api/rateLimiter.ts';

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
});
