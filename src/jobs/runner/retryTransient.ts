import { setTimeout as sleep } from 'node:timers/promises';
import { WechatApiError } from '../../wechat/api/errcodes.ts';
import { LedgerUnavailableError } from '../../ledger/ledgerErrors.ts';

export type RetryPolicy = { attempts: number; baseMs: number; maxMs: number };

/**
 * Failures that go away by themselves: WeChat busy or unreachable (after the client's own quick
 * retries), the minute-level rate limit 45011, a token rotated under us, the database briefly
 * gone. A 45009 is not one of them: retrying would only burn what is left of the quota.
 */
export function isTransient(error: unknown): boolean {
  if (error instanceof WechatApiError) return ['upstream_failure', 'rate_limited', 'token_invalid'].includes(error.kind);
  if (error instanceof LedgerUnavailableError) return true;
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && ['ECONNREFUSED', 'ECONNRESET', '57P01', '57P03', '08006', '08001', '08003'].includes(code);
}

/** Runs `fn`, retrying transient failures with exponential backoff and jitter; the last failure is thrown. */
export async function retryTransient<T>(
  fn: () => Promise<T>,
  policy: RetryPolicy,
  options: { signal?: AbortSignal; onRetry?: (error: unknown, attempt: number, waitMs: number) => void } = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!isTransient(error) || attempt >= policy.attempts) throw error;
      const waitMs = backoffMs(policy, attempt);
      options.onRetry?.(error, attempt, waitMs);
      await sleep(waitMs, undefined, options.signal ? { signal: options.signal } : undefined);
    }
  }
}

/** The wait before retry number `attempt` (1-based): exponential, capped, with jitter. */
export function backoffMs(policy: RetryPolicy, attempt: number): number {
  const backoff = Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
  return Math.round(backoff / 2 + Math.random() * (backoff / 2));
}
