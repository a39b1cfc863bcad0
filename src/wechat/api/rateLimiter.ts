import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A token bucket: `ratePerSecond` tokens a second, at most `burst` saved up. Waiters are served
 * in arrival order (one promise chain), so a steady stream of callers cannot starve an early one.
 */
export type TokenBucket = { acquire(): Promise<void> };

export function createTokenBucket(options: { ratePerSecond: number; burst?: number; now?: () => number }): TokenBucket {
  const rate = options.ratePerSecond;
  if (!(rate > 0)) throw new RangeError('ratePerSecond must be positive');
  const burst = Math.max(1, options.burst ?? rate);
  const now = options.now ?? (() => performance.now());
  let tokens = burst;
  let refilledAt = now();
  let queue: Promise<void> = Promise.resolve();

  const refill = () => {
    const at = now();
    tokens = Math.min(burst, tokens + ((at - refilledAt) / 1000) * rate);
    refilledAt = at;
  };

  return {
    acquire() {
      const turn = queue.then(async () => {
        refill();
        while (tokens < 1) {
          await sleep(Math.ceil(((1 - tokens) / rate) * 1000));
          refill();
        }
        tokens -= 1;
      });
      queue = turn;
      return turn;
    },
  };
}

/** One bucket per key (appid + API): WeChat's frequency limits are per API and per account. */
export type RateLimiter = { acquire(key: string): Promise<void> };

export function createRateLimiter(ratePerSecond: number): RateLimiter {
  const buckets = new Map<string, TokenBucket>();
  return {
    acquire(key) {
      let bucket = buckets.get(key);
      if (!bucket) {
        bucket = createTokenBucket({ ratePerSecond });
        buckets.set(key, bucket);
      }
      return bucket.acquire();
    },
  };
}
