import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A token bucket: `ratePerSecond` tokens a second, at most `burst` saved up. Each caller reserves
 * the next free slot when it arrives (GCRA: a theoretical arrival time moves by one interval per
 * token), so callers are served in arrival order and everyone knows at once how long they would
 * wait. A caller that may not wait that long (`maxWaitMs`) is told so immediately — `false`, no
 * token taken — instead of joining a queue that a flood of requests has made minutes long.
 */
export type TokenBucket = { acquire(maxWaitMs?: number): Promise<boolean> };

export function createTokenBucket(options: { ratePerSecond: number; burst?: number; now?: () => number }): TokenBucket {
  const rate = options.ratePerSecond;
  if (!(rate > 0)) throw new RangeError('ratePerSecond must be positive');
  const burst = Math.max(1, options.burst ?? rate);
  const now = options.now ?? (() => performance.now());
  const interval = 1000 / rate;
  const tolerance = (burst - 1) * interval;
  let theoreticalArrival = now();

  return {
    async acquire(maxWaitMs = Number.POSITIVE_INFINITY) {
      const at = now();
      const next = Math.max(theoreticalArrival, at);
      const wait = Math.max(0, next - tolerance - at);
      if (wait > maxWaitMs) return false;
      theoreticalArrival = next + interval;
      if (wait > 0) await sleep(Math.ceil(wait));
      return true;
    },
  };
}

/** One bucket per key (appid + API): WeChat's frequency limits are per API and per account. */
export type RateLimiter = { acquire(key: string, maxWaitMs?: number): Promise<boolean> };

export function createRateLimiter(ratePerSecond: number): RateLimiter {
  const buckets = new Map<string, TokenBucket>();
  return {
    acquire(key, maxWaitMs) {
      let bucket = buckets.get(key);
      if (!bucket) {
        bucket = createTokenBucket({ ratePerSecond });
        buckets.set(key, bucket);
      }
      return bucket.acquire(maxWaitMs);
    },
  };
}
