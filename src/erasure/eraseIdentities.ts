import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { STARTER_TYPES, type ErasureReason, type NewEvent } from '../ledger/events.ts';
import { IdempotencyKey } from '../ledger/idempotencyKey.ts';
import type { Ledger } from '../ledger/ledger.ts';
import { eraseProjectionRows } from '../../projections/store/eraseProjectionRows.ts';
import { redactFollowerRows } from '../../projections/dailyStats/redactFollowerRows.ts';
import { eraseJobData } from '../jobs/store/eraseJobData.ts';
import { findSubjects, type ErasedSubject, type ErasureTarget } from './findSubjects.ts';
import { keyOf } from '../../projections/key.ts';

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

export type ErasureRequest = {
  target: ErasureTarget;
  reason: ErasureReason;
  /**
   * When the erasure counts as having happened, for the register: a late fact older than this is
   * dropped. For a push, its CreateTime (WeChat's clock, the one later pushes carry); else now.
   */
  erasedAt?: Date;
  /**
   * Record the request even when nothing was left to erase (an API request: the register then
   * refuses late facts about the person, and GET /v1/erasures/:id answers). A withdrawal push
   * that finds nothing live (erased already) is a no-op.
   */
  recordAlways?: boolean;
  /**
   * The ledger position of the withdrawal that asks for this erasure. A subject that started
   * again after it — a subscribe, login or OAuth later in the ledger: the person came back,
   * or this withdrawal was handled before and a new subject began — is not erased by it.
   */
  withdrawnAt?: number;
};

export type EraseOptions = {
  /** Days an erased pseudonym stays in the register (default 30). */
  registerRetentionDays?: number;
};

/**
 * Forgets people (crypto-shredding), in ONE transaction that holds the ledger's append lock —
 * taken only for the writes: who is covered, their openids and what they hold are read before.
 * For each request: the subjects' keys (so every event sealed under them now reads as redacted),
 * their projection rows in every table version (daily-stats: their scenes, see redactFollowerRows.ts), their sealed session keys, job work lists, and —
 * remembered for a bounded time — their pseudonyms in the erasure register; then one
 * `identity.erased` event per forgotten identity (no personal data: pseudonym, reason, counts),
 * published like any event so consumers delete their copies. A crash anywhere leaves it complete
 * or not started. Many requests share the transaction (the erasure reactor hands it a page's).
 */
export async function eraseMany(ledger: Ledger, requests: readonly ErasureRequest[], options: EraseOptions = {}): Promise<(Erasure | null)[]> {
  if (requests.length === 0) return [];
  const privacy = await ledger.privacy();
  const retentionDays = options.registerRetentionDays ?? 30;
  const db = ledger.storage.db;
  const planned: { request: ErasureRequest; id: string; erasedAt: Date; subjects: ErasedSubject[] }[] = [];
  for (const request of requests) {
    planned.push({ request, id: randomUUID(), erasedAt: request.erasedAt ?? new Date(), subjects: await findSubjects(db, privacy, request.target) });
  }
  const outcome = await ledger.exclusive(async (trx, append) => {
    // Under the lock, the truth about keys: which of these subjects have a live key now.
    const all = [...new Set(planned.flatMap((p) => p.subjects.map((s) => s.subject)))];
    const { rows: liveRows } = await sql<{ id: string; subject: string }>`select id, subject from subject_keys where subject = any(${all}::text[])`.execute(trx);
    const liveKey = new Map(liveRows.map((row) => [row.subject, row.id]));
    const restarted = await startedAfter(trx, planned.filter((p) => p.request.withdrawnAt !== undefined).map((p) => ({ subjects: p.subjects.map((s) => s.subject), after: p.request.withdrawnAt! })));

    // Two withdrawals of one person can share a call (a reconciliation's unfollow and the late
    // push, say): the first request that covers a subject erases and announces it, the others
    // only register it.
    const claimed = new Map<string, string>(); // subject → the id of the request that erases it
    const chosen = planned.map((p) => {
      const covered = p.subjects.filter((s) => !(p.request.withdrawnAt !== undefined && restarted.has(`${p.request.withdrawnAt}:${s.subject}`)));
      const own = covered.filter((s) => !claimed.has(s.subject));
      const shared = covered.filter((s) => claimed.has(s.subject));
      for (const s of own) claimed.set(s.subject, p.id);
      const live = own.filter((s) => liveKey.has(s.subject)).map((s): ErasedSubject => ({ ...s, keyId: liveKey.get(s.subject)! }));
      // Announced on the bus: every identity the ledger held readable data about, keyed or not.
      const announced = [...live, ...own.filter((s) => !liveKey.has(s.subject) && s.seen).map((s): ErasedSubject => ({ ...s, keyId: null }))];
      return { ...p, covered, shared, live, announced, skip: announced.length === 0 && !p.request.recordAlways };
    });
    const acting = chosen.filter((c) => !c.skip);
    if (acting.length === 0) return { results: chosen.map(() => null), forgotten: [] as ErasedSubject[] };

    // First: a projection write folded from keys about to go waits for this and then fails (applyBatch.ts).
    await sql`update erasure_epoch set epoch = epoch + 1`.execute(trx);
    const forgotten = [...new Map(acting.flatMap((c) => c.live).map((s) => [s.keyId!, s])).values()];
    const keyIds = forgotten.map((s) => s.keyId!);
    // By the subject index: a subject's events, those sealed under the key being deleted.
    const { rows: counted } = await sql<{ subject_key: string; n: number | string }>`
      select subject_key, count(*) as n from events
      where subject = any(${forgotten.map((s) => s.subject)}::text[]) and subject_key = any(${keyIds}::uuid[]) group by subject_key`.execute(trx);
    const eventsOf = new Map(counted.map((row) => [row.subject_key, Number(row.n)]));
    if (keyIds.length > 0) await sql`delete from subject_keys where id = any(${keyIds}::uuid[])`.execute(trx);

    const identitiesOf = (subjects: readonly ErasedSubject[]) => subjects.filter((s): s is ErasedSubject & { openid: string } => s.openid !== null).map((s) => ({ appid: s.appid, openid: s.openid }));
    const identities = identitiesOf(acting.flatMap((c) => c.covered));
    const projectionRows = await eraseProjectionRows(trx, identities);
    await redactFollowerRows(trx, [...new Map(acting.flatMap((c) => c.covered).map((s) => [s.subject, { appid: s.appid, subject: s.subject }])).values()]);
    const sessions = new Set<string>();
    if (identities.length > 0) {
      const { rows } = await sql<{ appid: string; openid: string }>`
        delete from mp_sessions m using unnest(${identities.map((i) => i.appid)}::text[], ${identities.map((i) => i.openid)}::text[]) as k(appid, openid)
        where m.appid = k.appid and m.openid = k.openid returning m.appid, m.openid`.execute(trx);
      for (const row of rows) sessions.add(keyOf(row.appid, row.openid));
    }
    const jobData = await eraseJobData(trx, [...new Set(identities.map((i) => i.openid))]);

    // Every covered identity, and the unionid of a unionid erasure: a late fact naming it
    // (under an identity the ledger did not know yet, say) is dropped too.
    const registered = [
      // A later withdrawal of someone an earlier request of this call erased: its time counts too.
      ...chosen.filter((c) => c.skip).flatMap((c) => c.shared.map((s) => ({ subject: s.subject, appid: s.appid, at: c.erasedAt.toISOString(), id: claimed.get(s.subject)! }))),
      ...acting.flatMap((c) => [
        ...c.covered.map((s) => ({ subject: s.subject, appid: s.appid, at: c.erasedAt.toISOString(), id: claimed.get(s.subject) ?? c.id })),
        ...('unionid' in c.request.target ? [{ subject: privacy.pseudonyms.unionid(c.request.target.unionid), appid: '', at: c.erasedAt.toISOString(), id: c.id }] : []),
      ]),
    ];
    // One row per subject (an upsert may not touch a row twice): the latest erasure time wins.
    const latest = new Map<string, (typeof registered)[number]>();
    for (const r of registered) if (!latest.has(r.subject) || Date.parse(latest.get(r.subject)!.at) < Date.parse(r.at)) latest.set(r.subject, r);
    const register = [...latest.values()];
    await sql`
      insert into erasure_register (subject, appid, erased_at, erasure_id)
      select s, a, t, i from unnest(${register.map((r) => r.subject)}::text[], ${register.map((r) => r.appid)}::text[],
                                    ${register.map((r) => r.at)}::timestamptz[], ${register.map((r) => r.id)}::uuid[]) as r(s, a, t, i)
      on conflict (subject) do update set erased_at = greatest(erasure_register.erased_at, excluded.erased_at), erasure_id = excluded.erasure_id`.execute(trx);
    await purgeErasureRegister(trx, retentionDays);

    const erasedEvents: NewEvent[] = acting.flatMap((c) =>
      c.announced.map((subject) => ({
        type: 'identity.erased' as const,
        data: { appid: subject.appid, subject: subject.subject, scope: scopeOf(c.request.target), reason: c.request.reason, erasureId: c.id, events: subject.keyId ? (eventsOf.get(subject.keyId) ?? 0) : 0 },
        meta: { source: 'api' as const, idempotencyKey: IdempotencyKey.erasure(c.id, subject.subject) },
        occurredAt: c.erasedAt,
      })),
    );
    if (erasedEvents.length > 0) await append(erasedEvents);

    // Each request's own counts, also when requests share the transaction.
    const results = chosen.map((c): Erasure | null => {
      if (c.skip) return null;
      const own = identitiesOf(c.covered);
      const ownKeys = new Set(c.live.map((s) => s.keyId!));
      return {
        id: c.id,
        erasedAt: c.erasedAt.toISOString(),
        scope: scopeOf(c.request.target),
        reason: c.request.reason,
        appid: 'appid' in c.request.target ? c.request.target.appid : null,
        subject: 'unionid' in c.request.target ? privacy.pseudonyms.unionid(c.request.target.unionid) : privacy.pseudonyms.subject(c.request.target.appid, c.request.target.openid),
        identities: c.announced.length,
        events: [...eventsOf].filter(([key]) => ownKeys.has(key)).reduce((sum, [, n]) => sum + n, 0),
        sessions: own.filter((i) => sessions.has(keyOf(i.appid, i.openid))).length,
        projectionRows: own.reduce((sum, i) => sum + (projectionRows.get(keyOf(i.appid, i.openid)) ?? 0), 0),
        jobData: [...new Set(own.map((i) => i.openid))].reduce((sum, openid) => sum + (jobData.get(openid) ?? 0), 0),
      };
    });
    const recorded = results.filter((r): r is Erasure => r !== null);
    await sql`
      insert into erasures (id, erased_at, scope, reason, appid, subject, result)
      select * from unnest(${recorded.map((r) => r.id)}::uuid[], ${recorded.map((r) => r.erasedAt)}::timestamptz[], ${recorded.map((r) => r.scope)}::text[],
                           ${recorded.map((r) => r.reason)}::text[], ${recorded.map((r) => r.appid)}::text[], ${recorded.map((r) => r.subject)}::text[],
                           ${recorded.map((r) => JSON.stringify(r))}::jsonb[])`.execute(trx);
    return { results, forgotten };
  });
  privacy.subjectKeys.forget(outcome.forgotten.map((s) => s.subject), outcome.forgotten.map((s) => s.keyId!));
  return outcome.results;
}

/** One request's erasure (an API call, the CLI). */
export async function eraseIdentities(ledger: Ledger, target: ErasureTarget, options: Omit<ErasureRequest, 'target'> & EraseOptions): Promise<Erasure | null> {
  const [erasure] = await eraseMany(ledger, [{ target, ...options }], options);
  return erasure ?? null;
}

/** Forgets erased pseudonyms older than the retention (one indexed statement; the erasure reactor also runs it hourly). */
export async function purgeErasureRegister(db: Parameters<Parameters<Ledger['exclusive']>[0]>[0] | Ledger['storage']['db'], retentionDays: number): Promise<void> {
  await sql`delete from erasure_register where erased_at < now() - make_interval(days => ${retentionDays})`.execute(db);
}

/** An erasure as recorded, by id. */
export async function readErasure(ledger: Ledger, id: string): Promise<Erasure | null> {
  const row = await ledger.storage.db.selectFrom('erasures').select('result').where('id', '=', id).executeTakeFirst();
  return row ? (row.result as unknown as Erasure) : null;
}

function scopeOf(target: ErasureTarget): 'account' | 'unionid' {
  return 'unionid' in target ? 'unionid' : 'account';
}

/** `${after}:${subject}` of every subject that has a starting event (subscribe, login, OAuth) after `after`. */
async function startedAfter(trx: Parameters<Parameters<Ledger['exclusive']>[0]>[0], checks: { subjects: string[]; after: number }[]): Promise<Set<string>> {
  const pairs = checks.flatMap((check) => check.subjects.map((subject) => ({ subject, after: check.after })));
  if (pairs.length === 0) return new Set();
  const { rows } = await sql<{ subject: string; after: number | string }>`
    select c.subject, c.after from unnest(${pairs.map((p) => p.subject)}::text[], ${pairs.map((p) => p.after)}::int8[]) as c(subject, after)
    where exists (select 1 from events e where e.subject = c.subject and e.position > c.after and e.type = any(${[...STARTER_TYPES]}::text[]))`.execute(trx);
  return new Set(rows.map((row) => `${row.after}:${row.subject}`));
}
