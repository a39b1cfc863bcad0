import { randomUUID } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { Database } from './database.ts';
import { appidOf, openidOf, streamOf, unionidOf, type LedgerEvent, type NewEvent } from './events.ts';
import { canonicalEventOf, canonicalJson, chainHash, GENESIS_HASH } from './canonicalEvent.ts';
import { IdempotencyConflictError, InvalidEventError, WrongExpectedVersionError } from './ledgerErrors.ts';
import { rowToEvent, type EventRow } from './rowToEvent.ts';
import { lockKey } from './openStorage.ts';

export type AppendRequest = {
  events: NewEvent[];
  /** The version the (single) stream of these events must be at; 0 = must not exist yet. */
  expectedVersion?: number | undefined;
};

export type AppendResult = {
  events: LedgerEvent[];
  /** True when every event was already in the ledger under its idempotency key. */
  duplicate: boolean;
};

export type AppendOutcome = { ok: true; result: AppendResult } | { ok: false; error: Error };

/**
 * An event with everything that does not depend on the ledger's head worked out: its columns
 * and its canonical `data`/`meta`. Done when the caller submits, so it overlaps the batch in
 * flight instead of running under the ledger lock.
 */
export type PreparedEvent = {
  type: NewEvent['type'];
  data: Record<string, unknown>;
  meta: NewEvent['meta'];
  stream: string;
  /** ISO time; null = when the batch is recorded. */
  occurredAt: string | null;
  appid: string;
  openid: string | null;
  unionid: string | null;
  canonicalData: string;
  canonicalMeta: string;
};

export type PreparedRequest = { events: PreparedEvent[]; expectedVersion?: number | undefined };

/** What a batch is decided against: the head and what the ledger holds for the batch's keys and streams. */
export type AppendState = { head: number; headHash: string; existing: Map<string, LedgerEvent>; versions: Map<string, number> };

/**
 * A batch decided: each request's outcome and the rows to insert. `base` is the head the plan
 * was made on; a plan is only ever written while the ledger's head is still `base`.
 */
export type BatchPlan = {
  base: { head: number; hash: string };
  head: number;
  headHash: string;
  outcomes: AppendOutcome[];
  rows: { event: LedgerEvent; prepared: PreparedEvent }[];
  /** The rows by idempotency key and the streams' versions after them: what a following batch sees. */
  written: Map<string, LedgerEvent>;
  versions: Map<string, number>;
};

/** Serializes appends across every process that shares the database. */
export const LEDGER_APPEND_LOCK = lockKey('identity-ledger:append');
export const LEDGER_CHANNEL = 'identity_ledger_appended';

/** Throws InvalidEventError for content that has no canonical form (lone surrogates) or no valid time. */
export function prepareRequest(request: AppendRequest): PreparedRequest {
  const events = request.events.map((event): PreparedEvent => {
    const data = event.data as Record<string, unknown>;
    try {
      return {
        type: event.type,
        data,
        meta: event.meta,
        stream: event.stream ?? streamOf(event.type, data),
        occurredAt: event.occurredAt === undefined ? null : toIso(event.occurredAt),
        appid: appidOf(event.type, data),
        openid: openidOf(event.type, data),
        unionid: unionidOf(data),
        canonicalData: canonicalJson(data),
        canonicalMeta: canonicalJson(event.meta),
      };
    } catch (error) {
      throw new InvalidEventError(`${event.type}: ${(error as Error).message}`, { cause: error });
    }
  });
  return { events, expectedVersion: request.expectedVersion };
}

/**
 * Appends the events of many callers in one transaction. Each caller's events succeed or fail
 * together; one caller's conflict does not fail the others. Must run inside a transaction: the
 * advisory lock is held until commit, which makes positions gapless and commit-ordered.
 *
 * `previous` is the plan of the batch committing ahead of this one in this process, if any.
 * Then the batch reads its keys and streams *before* the lock, adds what `previous` is writing,
 * and plans while `previous` commits; under the lock the INSERT itself checks that the head is
 * the one planned on — any other writer, or a `previous` that failed, moves it — and otherwise
 * the batch reads and plans again. `onPlanned` hears the first plan made.
 */
export async function appendBatch(
  trx: Transaction<Database>,
  requests: PreparedRequest[],
  options: { previous?: Promise<BatchPlan | null>; onPlanned?: (plan: BatchPlan) => void } = {},
): Promise<BatchPlan> {
  const keys = [...new Set(requests.flatMap((r) => r.events.map((e) => e.meta.idempotencyKey)))];
  const streams = [...new Set(requests.flatMap((r) => r.events.map((e) => e.stream)))];
  let plan: BatchPlan | null = null;
  if (options.previous) {
    const [seen, previous] = await Promise.all([readAppendState(trx, keys, streams), options.previous]);
    const state = previous ? stateAfter(seen, previous, keys, streams) : seen;
    if (state) {
      plan = planBatch(requests, state);
      options.onPlanned?.(plan);
    }
  }
  await sql`select pg_advisory_xact_lock(${LEDGER_APPEND_LOCK})`.execute(trx);
  // Statements after the lock's own: a READ COMMITTED statement sees the snapshot taken when it
  // started, which for the lock's statement could predate the previous holder's commit.
  if (plan) {
    const stillBase = plan.rows.length > 0 ? await insertEvents(trx, plan, plan.base) : await headIs(trx, plan.base);
    if (stillBase) return plan;
  }
  plan = planBatch(requests, await readAppendState(trx, keys, streams));
  options.onPlanned?.(plan);
  if (plan.rows.length > 0) await insertEvents(trx, plan);
  return plan;
}

/** Pure: decides every request against `state`, chaining hashes from its head. */
export function planBatch(requests: PreparedRequest[], state: AppendState): BatchPlan {
  let head = state.head;
  let prevHash = state.headHash;
  const versions = new Map(state.versions);
  const written = new Map<string, LedgerEvent>();
  const rows: BatchPlan['rows'] = [];
  const recordedAt = new Date().toISOString();
  const outcomes = requests.map((request): AppendOutcome => {
    const found: (LedgerEvent | undefined)[] = [];
    for (const event of request.events) {
      const key = event.meta.idempotencyKey;
      const original = state.existing.get(key) ?? written.get(key);
      if (original && !sameContent(original, event)) return { ok: false, error: new IdempotencyConflictError(key) };
      found.push(original);
    }
    if (request.events.length > 0 && found.every(Boolean)) {
      return { ok: true, result: { events: found as LedgerEvent[], duplicate: true } };
    }
    if (request.expectedVersion !== undefined) {
      const stream = request.events[0]!.stream;
      const actual = versions.get(stream) ?? 0;
      if (actual !== request.expectedVersion) return { ok: false, error: new WrongExpectedVersionError(stream, request.expectedVersion, actual) };
    }
    const events = request.events.map((prepared, index) => {
      const already = found[index];
      if (already) return already;
      const streamVersion = (versions.get(prepared.stream) ?? 0) + 1;
      versions.set(prepared.stream, streamVersion);
      const id = randomUUID();
      const position = ++head;
      const { type, stream } = prepared;
      const occurredAt = prepared.occurredAt ?? recordedAt;
      // Literals, not spreads: this runs for every event under the lock, and spreading was its costliest line.
      const hash = chainHash(prevHash, canonicalEventOf({ id, position, type, stream, streamVersion, data: prepared.canonicalData, meta: prepared.canonicalMeta, occurredAt, recordedAt }));
      const stored = { id, position, type, stream, streamVersion, data: prepared.data, meta: prepared.meta, occurredAt, recordedAt, hash, prevHash } as LedgerEvent;
      prevHash = hash;
      written.set(prepared.meta.idempotencyKey, stored);
      rows.push({ event: stored, prepared });
      return stored;
    });
    return { ok: true, result: { events, duplicate: false } };
  });
  return { base: { head: state.head, hash: state.headHash }, head, headHash: prevHash, outcomes, rows, written, versions };
}

/**
 * The state once `previous` has committed, from a read that may have been taken before or
 * after it did (the head says which: positions are gapless, so a head identifies everything at
 * or below it). Null when the read saw some other head: another writer got in between.
 */
function stateAfter(seen: AppendState, previous: BatchPlan, keys: string[], streams: string[]): AppendState | null {
  if (seen.head === previous.head && seen.headHash === previous.headHash) return seen;
  if (seen.head !== previous.base.head || seen.headHash !== previous.base.hash) return null;
  // Only this batch's keys and streams, so the maps do not grow along a chain of batches.
  const existing = new Map(seen.existing);
  for (const key of keys) {
    const event = previous.written.get(key);
    if (event) existing.set(key, event);
  }
  const versions = new Map(seen.versions);
  for (const stream of streams) {
    const version = previous.versions.get(stream);
    if (version !== undefined) versions.set(stream, version);
  }
  return { head: previous.head, headHash: previous.headHash, existing, versions };
}

async function headIs(trx: Transaction<Database>, base: { head: number; hash: string }): Promise<boolean> {
  const row = await trx.selectFrom('events').select(['position', 'hash']).orderBy('position', 'desc').limit(1).executeTakeFirst();
  return row ? Number(row.position) === base.head && row.hash === base.hash : base.head === 0;
}

/**
 * Everything a plan needs, in one round trip: the head, the events already stored under the
 * batch's idempotency keys, and the current version of each stream the batch touches (one
 * backward probe per stream on the (stream, stream_version) key). One snapshot, so all three
 * describe the same head.
 */
async function readAppendState(trx: Transaction<Database>, keys: string[], streams: string[]): Promise<AppendState> {
  const rows = await sql<{ kind: 'head' | 'key' | 'stream'; number: number | string | null; text: string | null; row: EventRow | null }>`
    select 'head' as kind, position as number, hash as text, null::jsonb as row
      from (select position, hash from events order by position desc limit 1) head
    union all
    select 'key', null, null, to_jsonb(e) from events e where e.idempotency_key = any(${keys}::text[])
    union all
    select 'stream', v.version, s.stream, null
      from unnest(${streams}::text[]) as s(stream)
      cross join lateral (select stream_version::int8 as version from events where stream = s.stream order by stream_version desc limit 1) v
  `.execute(trx);
  const state: AppendState = { head: 0, headHash: GENESIS_HASH, existing: new Map(), versions: new Map() };
  for (const row of rows.rows) {
    if (row.kind === 'head') {
      state.head = Number(row.number);
      state.headHash = row.text!;
    } else if (row.kind === 'key') {
      state.existing.set(row.row!.idempotency_key, rowToEvent(row.row!));
    } else {
      state.versions.set(row.text!, Number(row.number));
    }
  }
  return state;
}

/**
 * One multi-row INSERT through unnest() (one plan for any batch size), with the NOTIFY in the
 * same statement: a data-modifying CTE always runs to completion. With `ifHead`, it inserts
 * only while the ledger's head is still that one — the check of an optimistic plan costs no
 * round trip of its own. Returns whether the rows went in.
 */
async function insertEvents(trx: Transaction<Database>, plan: BatchPlan, ifHead?: { head: number; hash: string }): Promise<boolean> {
  const col = <T>(pick: (e: LedgerEvent, p: PreparedEvent) => T) => plan.rows.map(({ event, prepared }) => pick(event, prepared));
  const condition = ifHead
    ? sql`where coalesce((select position from events order by position desc limit 1), 0) = ${ifHead.head}
            and coalesce((select hash from events order by position desc limit 1), ${GENESIS_HASH}) = ${ifHead.hash}`
    : sql``;
  const result = await sql<{ notified: unknown }>`
    with appended as (
      insert into events (position, id, type, stream, stream_version, data, meta, idempotency_key,
                          appid, openid, unionid, occurred_at, recorded_at, prev_hash, hash)
      select * from unnest(
        ${col((e) => e.position)}::int8[], ${col((e) => e.id)}::uuid[], ${col((e) => e.type)}::text[],
        ${col((e) => e.stream)}::text[], ${col((e) => e.streamVersion)}::int4[],
        ${col((_, p) => p.canonicalData)}::jsonb[], ${col((_, p) => p.canonicalMeta)}::jsonb[],
        ${col((e) => e.meta.idempotencyKey)}::text[], ${col((_, p) => p.appid)}::text[],
        ${col((_, p) => p.openid)}::text[], ${col((_, p) => p.unionid)}::text[],
        ${col((e) => e.occurredAt)}::timestamptz[], ${col((e) => e.recordedAt)}::timestamptz[],
        ${col((e) => e.prevHash)}::text[], ${col((e) => e.hash)}::text[]
      ) ${condition}
      returning 1
    )
    select pg_notify(${LEDGER_CHANNEL}, ${String(plan.head)}) as notified
      from (select count(*) as inserted from appended) as a where inserted > 0`.execute(trx);
  return result.rows.length > 0;
}

function sameContent(original: LedgerEvent, candidate: PreparedEvent): boolean {
  return original.type === candidate.type && canonicalJson(original.data) === candidate.canonicalData;
}

function toIso(value: Date | string): string {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) throw new RangeError(`not a time: ${String(value)}`);
  return date.toISOString();
}
