import type { Selectable } from 'kysely';
import type { EventsTable } from './database.ts';
import { PERSONAL_FIELDS, type EventType, type LedgerEvent } from './events.ts';
import { unseal } from './keys/sealing.ts';
import type { SubjectKeys } from './keys/subjectKeys.ts';

/** A stored row with its subject key, if the key is still live (null once the subject was erased). */
export type EventRow = Selectable<EventsTable> & { key_kid: string | null; key_wrapped: Buffer | string | null };

/**
 * The envelope as the rest of the service sees it: personal fields unsealed with the subject's
 * key — or, when the key is gone (erased), null, with `erased: true`. Type, times, position,
 * stream and hashes are always intact.
 */
export function openEvent(row: EventRow, keys: SubjectKeys): LedgerEvent {
  const { data, erased } = unsealedData(row, keys);
  const event = {
    id: row.id,
    position: Number(row.position),
    type: row.type,
    stream: row.stream,
    streamVersion: row.stream_version,
    data,
    meta: row.meta,
    occurredAt: toIso(row.occurred_at),
    recordedAt: toIso(row.recorded_at),
    hash: row.hash,
    prevHash: row.prev_hash,
  } as LedgerEvent;
  if (erased) event.erased = true;
  return event;
}

/** An event's data with its personal fields unsealed, or redacted (null) when its key is gone. */
export function unsealedData(
  row: Pick<EventRow, 'id' | 'type' | 'data' | 'subject_key' | 'key_kid' | 'key_wrapped'>,
  keys: SubjectKeys,
): { data: Record<string, unknown>; erased: boolean } {
  const stored = row.data as Record<string, unknown>;
  if (typeof stored.sealed !== 'string') return { data: stored, erased: false };
  const { sealed, ...clear } = stored;
  if (row.subject_key === null || row.key_kid === null || row.key_wrapped === null) return { data: redacted(row.type as EventType, clear), erased: true };
  const key = keys.open(row.subject_key, row.key_kid, toBuffer(row.key_wrapped));
  return { data: { ...clear, ...(JSON.parse(unseal(key, row.id, sealed as string)) as Record<string, unknown>) }, erased: false };
}

function redacted(type: EventType, clear: Record<string, unknown>): Record<string, unknown> {
  const data = { ...clear };
  for (const field of PERSONAL_FIELDS[type] ?? []) data[field] = null;
  return data;
}

/** pg hands bytea back as a Buffer; to_jsonb (the append function's duplicates) as base64 text. */
function toBuffer(value: Buffer | string): Buffer {
  return typeof value === 'string' ? Buffer.from(value, 'base64') : Buffer.from(value);
}

function toIso(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}
