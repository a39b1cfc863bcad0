import { sql } from 'kysely';
import type { EventSource, EventType, LedgerEvent } from '../src/ledger/events.ts';
import type { Ledger } from '../src/ledger/ledger.ts';
import { unsealedData } from '../src/ledger/openEvent.ts';

type ProjectionEventRow = {
  position: number | string;
  id: string;
  stream: string;
  type: EventType;
  data: Record<string, unknown>;
  source: EventSource;
  occurred_at: string;
  subject_key: string | null;
  key_kid: string | null;
  key_wrapped: Buffer | null;
  erasure_epoch: number | string;
};

/**
 * A page for the folds, with the erasure epoch read in the same snapshot as the keys that opened
 * it: the projection write is conditional on the epoch not having moved since (applyBatch.ts).
 */
export type ProjectionPage = LedgerEvent[] & { erasureEpoch?: number };

/** What the folds read the ledger through: its storage and its keys. */
export type ProjectionSource = Pick<Ledger, 'storage' | 'privacy'>;

/**
 * Ledger pages for the folds, read narrow: only what a fold may look at (position, type, data,
 * meta.source, occurredAt, stream — the one key to an erased person's redacted facts, for
 * daily-stats); ids, hashes and idempotency keys come back empty, as the test
 * event builder already fakes them. Personal fields are unsealed with the subject's key, read in
 * the same statement — an erased subject's events come back redacted (`erased: true`), which the
 * folds skip. The event time is formatted by PostgreSQL exactly as `Date#toISOString()` writes
 * it, which spares the client a date parse per event.
 */
export async function readProjectionEvents(source: ProjectionSource, after: number, limit: number): Promise<ProjectionPage> {
  const { subjectKeys } = await source.privacy();
  const { rows } = await sql<ProjectionEventRow>`
    select e.position, e.id, e.stream, e.type, e.data, e.meta->>'source' as source, e.subject_key, k.kid as key_kid, k.wrapped as key_wrapped,
           to_char(e.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as occurred_at,
           (select epoch from erasure_epoch) as erasure_epoch
    from events e left join subject_keys k on k.id = e.subject_key
    where e.position > ${after}
    order by e.position
    limit ${limit}`.execute(source.storage.db);
  const page: ProjectionPage = rows.map((row) => {
    const { data, erased } = unsealedData(row, subjectKeys);
    const event = {
      id: '',
      position: Number(row.position),
      type: row.type,
      stream: row.stream,
      streamVersion: 0,
      data,
      meta: { source: row.source, idempotencyKey: '' },
      occurredAt: row.occurred_at,
      recordedAt: '',
      hash: '',
      prevHash: '',
    } as LedgerEvent;
    if (erased) event.erased = true;
    return event;
  });
  if (rows[0]) page.erasureEpoch = Number(rows[0].erasure_epoch);
  return page;
}
