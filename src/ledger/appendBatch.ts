import { randomUUID } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { Database } from './database.ts';
import { appidOf, openidOf, streamOf, unionidOf, type LedgerEvent, type NewEvent } from './events.ts';
import { canonicalEvent, canonicalJson, chainHash, GENESIS_HASH } from './canonicalEvent.ts';
import { IdempotencyConflictError, WrongExpectedVersionError } from './ledgerErrors.ts';
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

/** Serializes appends across every process that shares the database. */
export const LEDGER_APPEND_LOCK = lockKey('identity-ledger:append');
export const LEDGER_CHANNEL = 'identity_ledger_appended';

/**
 * Appends the events of many callers in one transaction. Each caller's events succeed or fail
 * together; one caller's conflict does not fail the others. Must run inside a transaction: the
 * advisory lock is held until commit, which makes positions gapless and commit-ordered.
 */
export async function appendBatch(trx: Transaction<Database>, requests: AppendRequest[]): Promise<{ outcomes: AppendOutcome[]; head: number }> {
  await sql`select pg_advisory_xact_lock(${LEDGER_APPEND_LOCK})`.execute(trx);
  const headRow = await trx.selectFrom('events').select(['position', 'hash']).orderBy('position', 'desc').limit(1).executeTakeFirst();
  let head = headRow ? Number(headRow.position) : 0;
  let prevHash = headRow?.hash ?? GENESIS_HASH;

  const keys = requests.flatMap((r) => r.events.map((e) => e.meta.idempotencyKey));
  const existing = new Map<string, LedgerEvent>();
  if (keys.length > 0) {
    const rows = await trx.selectFrom('events').selectAll().where('idempotency_key', 'in', [...new Set(keys)]).execute();
    for (const row of rows as EventRow[]) existing.set(row.idempotency_key, rowToEvent(row));
  }

  const streamsOf = (request: AppendRequest) => request.events.map((e) => e.stream ?? streamOf(e.type, e.data));
  const streams = [...new Set(requests.flatMap(streamsOf))];
  const versions = new Map<string, number>();
  if (streams.length > 0) {
    const rows = await trx
      .selectFrom('events')
      .select(['stream', sql<number>`max(stream_version)`.as('version')])
      .where('stream', 'in', streams)
      .groupBy('stream')
      .execute();
    for (const row of rows) versions.set(row.stream, Number(row.version));
  }

  const planned: LedgerEvent[] = [];
  const inBatch = new Map<string, LedgerEvent>();
  const recordedAt = new Date().toISOString();
  const outcomes: AppendOutcome[] = requests.map((request) => {
    const requestStreams = streamsOf(request);
    const found: (LedgerEvent | undefined)[] = [];
    for (const event of request.events) {
      const key = event.meta.idempotencyKey;
      const original = existing.get(key) ?? inBatch.get(key);
      if (original && !sameContent(original, event)) return { ok: false, error: new IdempotencyConflictError(key) };
      found.push(original);
    }
    if (request.events.length > 0 && found.every(Boolean)) {
      return { ok: true, result: { events: found as LedgerEvent[], duplicate: true } };
    }
    if (request.expectedVersion !== undefined) {
      const stream = requestStreams[0]!;
      const actual = versions.get(stream) ?? 0;
      if (actual !== request.expectedVersion) return { ok: false, error: new WrongExpectedVersionError(stream, request.expectedVersion, actual) };
    }
    const events = request.events.map((event, index) => {
      const already = found[index];
      if (already) return already;
      const stream = requestStreams[index]!;
      const streamVersion = (versions.get(stream) ?? 0) + 1;
      versions.set(stream, streamVersion);
      const position = ++head;
      const body = {
        id: randomUUID(),
        position,
        type: event.type,
        stream,
        streamVersion,
        data: event.data,
        meta: event.meta,
        occurredAt: toIso(event.occurredAt ?? recordedAt),
        recordedAt,
      } as Omit<LedgerEvent, 'hash' | 'prevHash'>;
      const hash = chainHash(prevHash, canonicalEvent(body));
      const stored = { ...body, hash, prevHash } as LedgerEvent;
      prevHash = hash;
      inBatch.set(event.meta.idempotencyKey, stored);
      planned.push(stored);
      return stored;
    });
    return { ok: true, result: { events, duplicate: false } };
  });

  if (planned.length > 0) {
    await insertEvents(trx, planned);
    await sql`select pg_notify(${LEDGER_CHANNEL}, ${String(head)})`.execute(trx);
  }
  return { outcomes, head };
}

/** One multi-row INSERT through unnest(): one round trip and one plan for any batch size. */
async function insertEvents(trx: Transaction<Database>, events: LedgerEvent[]): Promise<void> {
  const col = <T>(pick: (e: LedgerEvent) => T) => events.map(pick);
  await sql`
    insert into events (position, id, type, stream, stream_version, data, meta, idempotency_key,
                        appid, openid, unionid, occurred_at, recorded_at, prev_hash, hash)
    select * from unnest(
      ${col((e) => e.position)}::int8[], ${col((e) => e.id)}::uuid[], ${col((e) => e.type)}::text[],
      ${col((e) => e.stream)}::text[], ${col((e) => e.streamVersion)}::int4[],
      ${col((e) => JSON.stringify(e.data))}::jsonb[], ${col((e) => JSON.stringify(e.meta))}::jsonb[],
      ${col((e) => e.meta.idempotencyKey)}::text[], ${col((e) => appidOf(e.type, e.data))}::text[],
      ${col((e) => openidOf(e.type, e.data))}::text[], ${col((e) => unionidOf(e.data))}::text[],
      ${col((e) => e.occurredAt)}::timestamptz[], ${col((e) => e.recordedAt)}::timestamptz[],
      ${col((e) => e.prevHash)}::text[], ${col((e) => e.hash)}::text[]
    )`.execute(trx);
}

function sameContent(original: LedgerEvent, candidate: NewEvent): boolean {
  return original.type === candidate.type && canonicalJson(original.data) === canonicalJson(candidate.data);
}

function toIso(value: Date | string): string {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) throw new RangeError(`not a time: ${String(value)}`);
  return date.toISOString();
}
