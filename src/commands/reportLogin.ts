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
 * 400 `occurred_at_out_of_range` otherwise. A report older than an erasure of the person is
 * answered `recorded: false` (ReportedLoginAnswer).
 */
export async function reportLogin(
  ledger: Ledger,
  login: ReportedLogin,
  idempotencyKey?: string,
  now: number = Date.now(),
): Promise<ReportedLoginAnswer> {
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
  const recorded = result.events.find((event) => event.type === 'login.recorded');
  if (recorded) return { openid: login.openid, unionid: login.unionid ?? null, position: recorded.position, recorded: true };
  // Dropped by the erasure register: a fact about this person from before their erasure
  // (README: "Late facts after an erasure"). Said so, with the head as `position` — a valid
  // `minPosition` that names no one's event (it used to be the head as if it were the login's).
  return { openid: login.openid, unionid: null, position: await ledger.head(), recorded: false, reason: 'predates_erasure' };
}

/**
 * `recorded: false` (`reason: 'predates_erasure'`): the report is older than an erasure of this
 * person and was not recorded — the reporting app holds the openid and must delete its copy too.
 * That tells an app's key that one of its own openids was erased (within
 * `erasure.registerRetentionDays`, and only for a report dated before the erasure), which its
 * write scope already shows: a dropped report spends no Idempotency-Key, and with read scope the
 * user stays 404 after the report. Identical answers would be a lie, and recording the report
 * would bring the person back.
 */
export type ReportedLoginAnswer =
  | { openid: string; unionid: string | null; position: number; recorded: true }
  | { openid: string; unionid: null; position: number; recorded: false; reason: 'predates_erasure' };
