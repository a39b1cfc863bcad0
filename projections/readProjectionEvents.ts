import { sql } from 'kysely';
import type { EventSource, EventType, LedgerEvent } from '../src/ledger/events.ts';
import type { Queryable } from './store/projectionTable.ts';

type ProjectionEventRow = { position: number | string; type: EventType; data: Record<string, unknown>; source: EventSource; occurred_at: string };

/**
 * Ledger pages for the folds, read narrow: only what a fold may look at (position, type, data,
 * meta.source, occurredAt); ids, streams, hashes and idempotency keys come back empty, as the
 * test event builder already fakes them. The event time is formatted by PostgreSQL exactly as
 * `Date#toISOString()` writes it, which spares the client a date parse per event: together,
 * this reads about three times faster than `ledger.read`, which a rebuild from 0 is bound by.
 */
export async function readProjectionEvents(db: Queryable, after: number, limit: number): Promise<LedgerEvent[]> {
  const { rows } = await sql<ProjectionEventRow>`
    select position, type, data, meta->>'source' as source,
           to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as occurred_at
    from events
    where position > ${after}
    order by position
    limit ${limit}`.execute(db);
  return rows.map(
    (row) =>
      ({
        id: '',
        position: Number(row.position),
        type: row.type,
        stream: '',
        streamVersion: 0,
        data: row.data,
        meta: { source: row.source, idempotencyKey: '' },
        occurredAt: row.occurred_at,
        recordedAt: '',
        hash: '',
        prevHash: '',
      }) as LedgerEvent,
  );
}
