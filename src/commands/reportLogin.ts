import { createHash } from 'node:crypto';
import type { Ledger } from '../ledger/ledger.ts';
import type { NewEvent } from '../ledger/events.ts';
import { unionidResolved } from './unionidResolved.ts';

export type ReportedLogin = { appid: string; openid: string; unionid?: string | undefined; occurredAt?: string | undefined };

/**
 * A login the application verified itself (e.g. its own code2Session). Without an
 * Idempotency-Key the key is derived from the content and the time, so a retried report of the
 * same login within the same second is one event.
 */
export async function reportLogin(ledger: Ledger, login: ReportedLogin, idempotencyKey?: string): Promise<{ openid: string; unionid: string | null; position: number }> {
  const occurredAt = login.occurredAt ?? new Date().toISOString().slice(0, 19) + 'Z';
  const key =
    idempotencyKey ?? createHash('sha256').update(JSON.stringify([login.appid, login.openid, login.unionid ?? null, occurredAt])).digest('hex');
  const events: NewEvent[] = [
    {
      type: 'login.recorded',
      data: { appid: login.appid, openid: login.openid, ...(login.unionid ? { unionid: login.unionid } : {}) },
      meta: { source: 'api', idempotencyKey: `report:${login.appid}:${key}` },
      occurredAt,
    },
  ];
  if (login.unionid) events.push(unionidResolved('api', { appid: login.appid, openid: login.openid, unionid: login.unionid, via: 'report' }));
  const result = await ledger.append(events);
  // A report older than an erasure of this person is dropped (nothing appended): the head then.
  return { openid: login.openid, unionid: login.unionid ?? null, position: result.events[0]?.position ?? (await ledger.head()) };
}
