import type { Kysely } from 'kysely';
import type { Ledger } from '../../ledger/ledger.ts';
import { IdempotencyKey } from '../../ledger/idempotencyKey.ts';
import { readJobItems } from '../store/jobTables.ts';

export type RecordedConversion = { openid: string; converted: boolean; reason: string | null };

/**
 * The conversions this job already recorded for these openids (an index lookup per key). An
 * erased person's event reads as redacted and counts as not recorded: converting it again is
 * dropped by the erasure register.
 */
export async function recordedConversions(ledger: Ledger, jobId: string, openids: readonly string[]): Promise<RecordedConversion[]> {
  if (openids.length === 0) return [];
  const asked = new Set(openids);
  const events = await ledger.findByIdempotencyKeys(openids.map((openid) => IdempotencyKey.conversion(jobId, openid)));
  const recorded: RecordedConversion[] = [];
  for (const event of events) {
    const data = event.data as { fromOpenid: string | null; reason?: string };
    if (data.fromOpenid === null || !asked.has(data.fromOpenid)) continue;
    recorded.push({ openid: data.fromOpenid, converted: event.type === 'openid.converted', reason: data.reason ?? null });
  }
  return recorded;
}

/**
 * How far a previous run of this job may have got past its saved cursor: chunks after the
 * cursor that were in flight when it died may be recorded, in any order, but never more than
 * `window` chunks past the last complete one. Scans chunk by chunk until `window` chunks in a row
 * have nothing recorded; returns the last item seq that may be recorded. Chunks up to it are
 * checked before calling WeChat, chunks after it are not.
 */
export async function recordedFrontier(db: Kysely<any>, ledger: Ledger, jobId: string, afterSeq: number, chunkSize: number, window: number): Promise<number> {
  let frontier = afterSeq;
  let cursor = afterSeq;
  let emptyInARow = 0;
  while (emptyInARow < window) {
    const items = await readJobItems(db, jobId, cursor, chunkSize);
    if (items.length === 0) break;
    cursor = items[items.length - 1]!.seq;
    const recorded = await recordedConversions(ledger, jobId, items.map((item) => item.openid));
    if (recorded.length === 0) emptyInARow++;
    else {
      emptyInARow = 0;
      frontier = cursor;
    }
  }
  return frontier;
}
