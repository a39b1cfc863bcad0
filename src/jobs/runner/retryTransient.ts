import { WechatApiError } from '../../wechat/api/errcodes.ts';
import { LedgerUnavailableError } from '../../ledger/ledgerErrors.ts';
import { retryWithBackoff, type RetryOptions, type RetryPolicy } from '../../retryWithBackoff.ts';

/**
 * Failures that go away by themselves: WeChat busy or unreachable (after the client's own quick
 * retries), the minute-level rate limit 45011, a token rotated under us, the database briefly
 * gone or too busy to answer in time — 55P03 lock_timeout and 57014 statement_timeout under load,
 * which isConnectionError.ts also counts as "ledger unavailable". A 45009 is not one of them:
 * retrying would only burn what is left of the quota.
 */
export function isTransient(error: unknown): boolean {
  if (error instanceof WechatApiError) return ['upstream_failure', 'rate_limited', 'token_invalid'].includes(error.kind);
  if (error instanceof LedgerUnavailableError) return true;
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && ['ECONNREFUSED', 'ECONNRESET', '57P01', '57P03', '08006', '08001', '08003', '55P03', '57014'].includes(code);
}

/** A job's step, retrying transient failures with backoff (retryWithBackoff.ts); the last failure is thrown. */
export function retryTransient<T>(fn: (progressed: () => void) => Promise<T>, policy: RetryPolicy, options: Omit<RetryOptions, 'retryable'> = {}): Promise<T> {
  return retryWithBackoff(fn, policy, { ...options, retryable: isTransient });
}
