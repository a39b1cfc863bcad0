import { sql } from 'kysely';
import type { Db } from './database.ts';
import { PREPARED } from './openStorage.ts';
import type { LedgerEvent, NewEvent } from './events.ts';
import type { SubjectKeys } from './keys/subjectKeys.ts';
import { IdempotencyConflictError, WrongExpectedVersionError } from './ledgerErrors.ts';
import { openEvent, type EventRow } from './openEvent.ts';
import type { PreparedEvent } from './prepareEvent.ts';

export type AppendRequest = {
  events: NewEvent[];
  /** The version the (single) stream of these events must be at; 0 = must not exist yet. */
  expectedVersion?: number | undefined;
};

export type AppendResult = {
  /** The request's events as stored (new or, for a repeated key, the originals), minus skipped ones. */
  events: LedgerEvent[];
  /** True when every event was already in the ledger under its idempotency key. */
  duplicate: boolean;
  /** Events dropped as late facts about an erased subject (README: "Late facts after an erasure"). */
  skipped: number;
};

export type PreparedRequest = { events: PreparedEvent[]; expectedVersion?: number | undefined; logicalKeys: string[] };

/** A request's outcome; `stale` lists the subjects whose cached key was not the live one (re-read, retry). */
export type AppendOutcome = { ok: true; result: AppendResult } | { ok: false; error: Error } | { ok: false; stale: string[] };

export type BatchResult = { outcomes: AppendOutcome[]; head: number; appended: number };

type OutcomeRow = {
  o_request: number;
  o_event: number;
  o_outcome: 'appended' | 'duplicate' | 'skipped' | 'conflict' | 'wrong_version' | 'stale_key';
  o_position: number | string | null;
  o_stream_version: number | null;
  o_prev_hash: string | null;
  o_hash: string | null;
  o_detail: Record<string, unknown> | null;
};

/**
 * Appends the requests of many callers in ONE round trip: a call of `ledger_append` (migration
 * 0005; generic plans since 0008) in its own transaction, which takes the ledger lock, decides every request (idempotency,
 * expected version, subject keys, erasure register), assigns gapless positions, links the chain
 * and inserts. Each caller's events succeed or fail together; one caller's conflict does not
 * fail the others.
 */
export async function appendBatch(db: Db, requests: readonly PreparedRequest[], subjectKeys: SubjectKeys): Promise<BatchResult> {
  const events: PreparedEvent[] = [];
  const requestOf: number[] = [];
  requests.forEach((request, index) => {
    for (const event of request.events) {
      events.push(event);
      requestOf.push(index + 1);
    }
  });
  const col = <T>(pick: (e: PreparedEvent) => T) => events.map(pick);
  // Each distinct idempotency key, stream and subject gets a slot (its 1-based place in a list of
  // distinct values), so the function keeps per-key state in arrays (see migration 0005).
  const keys = slotsOf(events, (e) => e.idempotencyKey);
  const streams = slotsOf(events, (e) => e.stream);
  const subjects = slotsOf(events, (e) => e.subject);
  const unionids = slotsOf(events, (e) => e.unionid);
  const { rows } = await sql<OutcomeRow>`${sql.raw(PREPARED)}
    select * from ledger_append(
      ${requestOf}::int[], ${requests.map((r) => r.expectedVersion ?? null)}::int[],
      ${col((e) => e.id)}::uuid[], ${col((e) => e.type)}::text[], ${col((e) => e.stream)}::text[], ${col((e) => e.appid)}::text[],
      ${col((e) => e.subject)}::text[], ${col((e) => e.subjectKey)}::uuid[], ${col((e) => e.related)}::text[], ${col((e) => e.unionid)}::text[],
      ${col((e) => e.fingerprint)}::text[], ${col((e) => e.idempotencyKey)}::text[],
      ${col((e) => e.storedData)}::jsonb[], ${col((e) => e.storedMeta)}::jsonb[],
      ${col((e) => e.occurredAt)}::timestamptz[], ${col((e) => e.recordedAt)}::timestamptz[],
      ${col((e) => e.digest)}::text[], ${col((e) => e.starter)}::boolean[], ${col((e) => e.keyKid)}::text[], ${col((e) => e.keyWrapped)}::bytea[],
      ${keys.slots}::int[], ${streams.slots}::int[], ${subjects.slots}::int[], ${unionids.slots}::int[],
      ${keys.values}::text[], ${streams.values}::text[], ${subjects.values}::text[], ${unionids.values}::text[])`.execute(db);

  const stored = new Map<number, LedgerEvent>();
  const byRequest = new Map<number, OutcomeRow[]>();
  let head = 0;
  let appended = 0;
  for (const row of rows) {
    const list = byRequest.get(row.o_request);
    if (list) list.push(row);
    else byRequest.set(row.o_request, [row]);
    if (row.o_outcome !== 'appended') continue;
    const event = events[row.o_event - 1]!;
    const position = Number(row.o_position);
    stored.set(row.o_event, asStored(event, position, row.o_stream_version!, row.o_prev_hash!, row.o_hash!));
    if (event.subject !== null && event.subjectKey !== null) subjectKeys.confirmed(event.subject, event.subjectKey);
    head = Math.max(head, position);
    appended++;
  }

  const outcomes = requests.map((request, index): AppendOutcome => {
    const rowsOfRequest = byRequest.get(index + 1) ?? [];
    const failure = rowsOfRequest.find((row) => row.o_outcome === 'conflict' || row.o_outcome === 'wrong_version' || row.o_outcome === 'stale_key');
    if (failure) {
      const detail = failure.o_detail ?? {};
      if (failure.o_outcome === 'stale_key') return { ok: false, stale: [String(detail.subject)] };
      if (failure.o_outcome === 'conflict') {
        const at = Number(detail.event) - 1 - events.indexOf(request.events[0]!);
        return { ok: false, error: new IdempotencyConflictError(request.logicalKeys[at] ?? '') };
      }
      return { ok: false, error: new WrongExpectedVersionError(request.events[0]!.stream, Number(detail.expected), Number(detail.actual)) };
    }
    const result: LedgerEvent[] = [];
    let duplicates = 0;
    let skipped = 0;
    for (const row of rowsOfRequest) {
      if (row.o_outcome === 'skipped') skipped++;
      else if (row.o_outcome === 'appended') result.push(stored.get(row.o_event)!);
      else {
        duplicates++;
        const detail = row.o_detail!;
        result.push(typeof detail.pending === 'number' ? stored.get(detail.pending)! : openEvent(detail as unknown as EventRow, subjectKeys));
      }
    }
    return { ok: true, result: { events: result, duplicate: duplicates > 0 && duplicates === request.events.length, skipped } };
  });
  return { outcomes, head, appended };
}

/** Each event's 1-based slot among the distinct non-null values of `pick`, and those values. */
function slotsOf(events: readonly PreparedEvent[], pick: (e: PreparedEvent) => string | null): { slots: (number | null)[]; values: string[] } {
  const slotOf = new Map<string, number>();
  const values: string[] = [];
  const slots = events.map((event) => {
    const value = pick(event);
    if (value === null) return null;
    let slot = slotOf.get(value);
    if (slot === undefined) {
      values.push(value);
      slotOf.set(value, (slot = values.length));
    }
    return slot;
  });
  return { slots, values };
}

/** The envelope of a just-appended event, exactly as a later read opens it. */
function asStored(event: PreparedEvent, position: number, streamVersion: number, prevHash: string, hash: string): LedgerEvent {
  return {
    id: event.id,
    position,
    type: event.type,
    stream: event.stream,
    streamVersion,
    data: event.data,
    meta: event.meta,
    occurredAt: event.occurredAt,
    recordedAt: event.recordedAt,
    hash,
    prevHash,
  } as LedgerEvent;
}
