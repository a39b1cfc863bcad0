import { setTimeout as sleep } from 'node:timers/promises';

/** `attempts` in all, the first included; the waits between them double from `baseMs` up to `maxMs`. */
export type RetryPolicy = { attempts: number; baseMs: number; maxMs: number };

export type RetryOptions = {
  /** Whether this failure may go away by itself. Any other failure is thrown at once. */
  retryable: (error: unknown) => boolean;
  /** Aborting ends a wait at once, with an AbortError. */
  signal?: AbortSignal | undefined;
  onRetry?: ((error: unknown, attempt: number, waitMs: number) => void) | undefined;
};

/**
 * Runs `fn`, retrying retryable failures with exponential backoff and jitter; the last failure is
 * thrown. The one retry loop of the service: the WeChat HTTP client's quick retries, the jobs'
 * patient ones and a reconciliation's listing all run on it. `fn` calls `progressed()` when it got
 * somewhere it will not have to redo (a stored page): the next failure then counts as the first
 * again, so a long run is not given up over failures spread across it.
 */
export async function retryWithBackoff<T>(fn: (progressed: () => void) => Promise<T>, policy: RetryPolicy, options: RetryOptions): Promise<T> {
  let attempt = 1;
  const progressed = () => {
    attempt = 1;
  };
  for (;;) {
    try {
      return await fn(progressed);
    } catch (error) {
      if (!options.retryable(error) || attempt >= policy.attempts) throw error;
      const waitMs = backoffMs(policy, attempt);
      options.onRetry?.(error, attempt, waitMs);
      await sleep(waitMs, undefined, options.signal ? { signal: options.signal } : undefined);
      attempt++;
    }
  }
}

/** The wait after failed attempt number `attempt` (1-based): exponential, capped, with jitter (half to all of it). */
export function backoffMs(policy: Pick<RetryPolicy, 'baseMs' | 'maxMs'>, attempt: number): number {
  const backoff = Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
  return Math.round(backoff / 2 + Math.random() * (backoff / 2));
}
