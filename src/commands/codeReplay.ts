import { createHash } from 'node:crypto';
import type { LedgerEvent } from '../ledger/events.ts';
import { CommandError } from './commandError.ts';

/**
 * How long WeChat accepts a one-time code: `wx.login` codes and web OAuth codes both expire after
 * 5 minutes ("code 有效期五分钟" in the wx.login / code2Session docs; "code只能使用一次，5分钟未被使用
 * 将自动过期" in the Official Account web authorization docs). A repeat after that cannot be
 * a client retrying a request WeChat would still have answered.
 */
export const CODE_LIFETIME_MS = 5 * 60_000;

/**
 * sha256 over a canonical form of every part of a request that spends a one-time code — the code
 * itself included. The code is secret and used once, so the digest (stored in the event's meta)
 * cannot be searched to recover the rest of the request.
 */
export function requestDigest(kind: string, parts: readonly (string | null | undefined)[]): string {
  return createHash('sha256').update(JSON.stringify([kind, ...parts.map((part) => part ?? null)])).digest('hex');
}

export type ReplayVerdict = 'answer' | 'expired' | 'erased' | 'different_request';

/**
 * Whether a code already spent (the ledger holds `earlier` under its key) may be answered again:
 * only for the very same request, and only within the code's lifetime. Pure, so it is tested
 * without a ledger.
 */
export function replayVerdict(earlier: LedgerEvent, digest: string, now: number, lifetimeMs = CODE_LIFETIME_MS): ReplayVerdict {
  // An erased person's events keep no personal data to answer with, and must not be revived.
  if ((earlier as { erased?: unknown }).erased === true) return 'erased';
  const age = now - Date.parse(earlier.recordedAt);
  if (!(age <= lifetimeMs)) return 'expired';
  // An event recorded before digests existed cannot prove a repeat is the same request.
  if (earlier.meta.requestDigest !== digest) return 'different_request';
  return 'answer';
}

/**
 * A web OAuth code seen again is refused whatever the request: the request is only the code and
 * `state` from the redirect URL, which leak together (browser history, Referer, proxy logs), and
 * the caller is the app's backend for whoever opened the URL. A browser reloading the redirect
 * page gets this too; the app should keep its own session instead of exchanging the code again.
 */
export function refuseOauthReplay(): never {
  throw new CommandError('idempotency_conflict', 409, 'this OAuth code was already exchanged: a code is used once, a repeat logs nobody in');
}

/** Throws what a refused replay answers: never the original user. */
export function refuseReplay(verdict: Exclude<ReplayVerdict, 'answer'>): never {
  if (verdict === 'different_request') {
    throw new CommandError('idempotency_conflict', 409, 'this code was already used by a different request');
  }
  // What WeChat itself answers for a spent code (40163), so clients handle it the same way.
  throw new CommandError('wechat_invalid_code', 401, `this code was already used (a repeat is answered only within ${CODE_LIFETIME_MS / 60_000} minutes, for the same request)`);
}
