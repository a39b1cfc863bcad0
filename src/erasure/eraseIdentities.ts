import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { ErasureReason } from '../ledger/events.ts';
import { IdempotencyKey } from '../ledger/idempotencyKey.ts';
import type { Ledger } from '../ledger/ledger.ts';
import { eraseProjectionRows } from '../../projections/store/eraseProjectionRows.ts';
import { eraseJobData } from '../jobs/store/eraseJobData.ts';
import { findSubjects, type ErasureTarget } from './findSubjects.ts';

/** What an erasure removed: counts, never data. */
export type Erasure = {
  id: string;
  erasedAt: string;
  scope: 'account' | 'unionid';
  reason: ErasureReason;
  appid: string | null;
  /** The pseudonym of what was asked for (subject or unionid). */
  subject: string;
  /** Identities (appid + openid) forgotten, of them with a live key. */
  identities: number;
  /** Ledger events now redacted. */
  events: number;
  sessions: number;
  projectionRows: number;
  jobData: number;
};

export type EraseOptions = {
  reason: ErasureReason;
  /**
   * When the erasure counts as having happened, for the register: a late fact older than this is
   * dropped. For a push, its CreateTime (WeChat's clock, the one later pushes carry); else now.
   */
  erasedAt?: Date;
  /**
   * Record the request even when nothing was left to erase (an API request: the register then
   * refuses late facts about the person, and GET /v1/erasures/:id answers). A push-triggered
   * erasure that finds nothing live (a WeChat retry) is a no-op.
   */
  recordAlways?: boolean;
  /** Days an erased pseudonym stays in the register (default 30). */
  registerRetentionDays?: number;
};

/**
 * Forgets a person (crypto-shredding), in ONE transaction that holds the ledger's append lock:
 * the subjects' keys (so every event sealed under them now reads as redacted), the projection
 * rows in every table version, the sealed session keys, job work lists, and — remembered for a
 * bounded time — the pseudonyms in the erasure register; then one `identity.erased` event per
 * forgotten identity (no personal data: pseudonym, reason, counts), published like any event so
 * consumers delete their copies. A crash anywhere leaves it complete or not started.
 */
export async function eraseIdentities(ledger: Ledger, target: ErasureTarget, options: EraseOptions): Promise<Erasure | null> {
  const privacy = await ledger.privacy();
  const id = randomUUID();
  const erasedAt = options.erasedAt ?? new Date();
  const retentionDays = options.registerRetentionDays ?? 30;
  const scope = 'unionid' in target ? 'unionid' : 'account';
  const requested = 'unionid' in target ? privacy.pseudonyms.unionid(target.unionid) : privacy.pseudonyms.subject(target.appid, target.openid);
  const outcome = await ledger.exclusive(async (trx, append) => {
    const subjects = await findSubjects(trx, privacy, target);
    const live = subjects.filter((s) => s.keyId !== null);
    if (live.length === 0 && !options.recordAlways) return null;
    const keyIds = live.map((s) => s.keyId!);
    // First: a projection write folded from keys about to go waits for this and then fails (applyBatch.ts).
    await sql`update erasure_epoch set epoch = epoch + 1`.execute(trx);
    const { rows: counted } = await sql<{ subject_key: string; n: number | string }>`
      select subject_key, count(*) as n from events where subject_key = any(${keyIds}::uuid[]) group by subject_key`.execute(trx);
    const eventsOf = new Map(counted.map((row) => [row.subject_key, Number(row.n)]));
    if (keyIds.length > 0) await sql`delete from subject_keys where id = any(${keyIds}::uuid[])`.execute(trx);
    const identities = subjects.filter((s): s is typeof s & { openid: string } => s.openid !== null).map((s) => ({ appid: s.appid, openid: s.openid }));
    const projectionRows = await eraseProjectionRows(trx, identities);
    const sessions = identities.length === 0 ? 0 : Number(
      (await sql`delete from mp_sessions m using unnest(${identities.map((i) => i.appid)}::text[], ${identities.map((i) => i.openid)}::text[]) as k(appid, openid)
                 where m.appid = k.appid and m.openid = k.openid`.execute(trx)).numAffectedRows ?? 0,
    );
    const jobData = await eraseJobData(trx, [...new Set(identities.map((i) => i.openid))]);
    await sql`
      insert into erasure_register (subject, appid, erased_at, erasure_id)
      select s, a, ${erasedAt.toISOString()}::timestamptz, ${id}::uuid from unnest(${subjects.map((s) => s.subject)}::text[], ${subjects.map((s) => s.appid)}::text[]) as t(s, a)
      on conflict (subject) do update set erased_at = greatest(erasure_register.erased_at, excluded.erased_at), erasure_id = excluded.erasure_id`.execute(trx);
    await sql`delete from erasure_register where erased_at < now() - make_interval(days => ${retentionDays})`.execute(trx);
    if (live.length > 0) {
      await append(
        live.map((subject) => ({
          type: 'identity.erased' as const,
          data: { appid: subject.appid, subject: subject.subject, scope, reason: options.reason, erasureId: id, events: eventsOf.get(subject.keyId!) ?? 0 },
          meta: { source: 'api' as const, idempotencyKey: IdempotencyKey.erasure(id, subject.subject) },
          occurredAt: erasedAt,
        })),
      );
    }
    const erasure: Erasure = {
      id,
      erasedAt: erasedAt.toISOString(),
      scope,
      reason: options.reason,
      appid: 'appid' in target ? target.appid : null,
      subject: requested,
      identities: live.length,
      events: [...eventsOf.values()].reduce((sum, n) => sum + n, 0),
      sessions,
      projectionRows,
      jobData,
    };
    await sql`
      insert into erasures (id, erased_at, scope, reason, appid, subject, result)
      values (${id}, ${erasure.erasedAt}, ${scope}, ${options.reason}, ${erasure.appid}, ${requested}, ${JSON.stringify(erasure)}::jsonb)`.execute(trx);
    return { erasure, subjects: live };
  });
  if (!outcome) return null;
  privacy.subjectKeys.forget(outcome.subjects.map((s) => s.subject), outcome.subjects.map((s) => s.keyId!));
  return outcome.erasure;
}

/** An erasure as recorded, by id. */
export async function readErasure(ledger: Ledger, id: string): Promise<Erasure | null> {
  const row = await ledger.storage.db.selectFrom('erasures').select('result').where('id', '=', id).executeTakeFirst();
  return row ? (row.result as unknown as Erasure) : null;
}
