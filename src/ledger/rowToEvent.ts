import type { Selectable } from 'kysely';
import type { EventsTable } from './database.ts';
import type { LedgerEvent } from './events.ts';

export type EventRow = Selectable<EventsTable>;

export function rowToEvent(row: EventRow): LedgerEvent {
  return {
    id: row.id,
    position: Number(row.position),
    type: row.type,
    stream: row.stream,
    streamVersion: row.stream_version,
    data: row.data,
    meta: row.meta,
    occurredAt: toIso(row.occurred_at),
    recordedAt: toIso(row.recorded_at),
    hash: row.hash,
    prevHash: row.prev_hash,
  } as LedgerEvent;
}

function toIso(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}
