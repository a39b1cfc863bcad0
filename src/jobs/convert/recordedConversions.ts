import { sql, type Kysely } from 'kysely';
import { conversionKey } from './conversionEvents.ts';
import { readJobItems } from '../store/jobTables.ts';

export type RecordedConversion = { openid: string; converted: boolean; reason: string | null };

/** The conversions this job already recorded for these openids (an index lookup per key, three columns). */
export async function recordedConversions(db: Kysely<any>, jobId: string, openids: readonly string[]): Promise<RecordedConversion[]> {
  if (openids.length === 0) return [];
  const byKey = new Map(openids.map((openid) => [conversionKey(jobId, openid), openid]));
  const result = await sql<{ idempotency_key: string; type: string; reason: string | null }>`
    select idempotency_key, type, data->>'reason' as reason from events where idempotency_key = any(${[...byKey.keys()]}::text[])`.execute(db);
  return result.rows.map((row) => ({ openid: byKey.get(row.idempotency_key)!, converted: row.type === 'openid.converted', reason: row.reason }));
}

/**
 * How far a previous run of this job may have got past its saved cursor: chunks after the
 * cursor that were in flight when it died may be recorded, in any order, but never more than
 * `window` chunks past the last complete one. Scans chunk by chunk until `window` chunks in a row
 * have nothing recorded; returns the last item seq that may be recorded. Chunks up to it are
 * checked before calling WeChat, chunks after it are not.
 */
export async function recordedFrontier(db: Kysely<any>, jobId: string, afterSeq: number, chunkSize: number, window: number): Promise<number> {
  let frontier = afterSeq;
  let cursor = afterSeq;
  let emptyInARow = 0;
  while (emptyInARow < window) {
    const items = await readJobItems(db, jobId, cursor, chunkSize);
    if (items.length === 0) break;
    cursor = items[items.length - 1]!.seq;
    const recorded = await recordedConversions(db, jobId, items.map((item) => item.openid));
    if (recorded.length === 0) emptyInARow++;
    else {
      emptyInARow = 0;
      frontier = cursor;
    }
  }
  return frontier;
}
