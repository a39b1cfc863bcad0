import type { Ledger } from '../ledger/ledger.ts';
import type { NewEvent } from '../ledger/events.ts';
import { IdempotencyKey } from '../ledger/idempotencyKey.ts';
import { CommandError } from './commandError.ts';
import { unionidResolved } from './unionidResolved.ts';

export type ReportedLogin = { appid: string; openid: string; unionid?: string | undefined; occurredAt?: string | undefined };

/** Clocks differ a little; a report from further in the future than this is not a login that happened. */
export const REPORT_MAX_FUTURE_SKEW_MS = 5 * 60_000;
/** Reports are of recent logins; older ones would rewrite a user's history (`?asOf`) far back. */
export const REPORT_MAX_AGE_MS = 30 * 86_400_000;

/**
 * A login the application verified itself (e.g. its own code2Session). Without an
 * Idempotency-Key the key is derived from the content and the time, so a retried report of the
 * same login within the same second is one event. Its unionid is a claim of the app, ranked
 * below what WeChat itself said (see the identity-links fold). `occurredAt` must be near now:
 * 400 `occurred_at_out_of_range` otherwise.
 */
export async function reportLogin(
  ledger: Ledger,
  login: ReportedLogin,
  idempotencyKey?: string,
  now: number = Date.now(),
): Promise<{ openid: string; unionid: string | null; position: number }> {
  if (login.occurredAt !== undefined) {
    const at = Date.parse(login.occurredAt);
    if (!(at <= now + REPORT_MAX_FUTURE_SKEW_MS && at >= now - REPORT_MAX_AGE_MS)) {
      throw new CommandError(
        'occurred_at_out_of_range',
        400,
        `occurredAt must lie between ${REPORT_MAX_AGE_MS / 86_400_000} days ago and ${REPORT_MAX_FUTURE_SKEW_MS / 60_000} minutes from now`,
      );
    }
  }
  const occurredAt = login.occurredAt ?? new Date(now).toISOString().slice(0, 19) + 'Z';
  const events: NewEvent[] = [
    {
      type: 'login.recorded',
      data: { appid: login.appid, openid: login.openid, ...(login.unionid ? { unionid: login.unionid } : {}) },
      meta: { source: 'api', idempotencyKey: IdempotencyKey.reportedLogin(login, occurredAt, idempotencyKey) },
      occurredAt,
    },
  ];
  if (login.unionid) events.push(unionidResolved('api', { appid: login.appid, openid: login.openid, unionid: login.unionid, via: 'report' }));
  const result = await ledger.append(events);
  // A report older than an erasure of this person is dropped (nothing appended): the head then.
  return { openid: login.openid, unionid: login.unionid ?? null, position: result.events[0]?.position ?? (await ledger.head()) };
}
