import type { Db } from './database.ts';
import { canonicalEvent, chainHash, GENESIS_HASH } from './canonicalEvent.ts';
import { readEvents } from './readEvents.ts';

export type LedgerVerification =
  | { ok: true; checked: number; head: number; headHash: string }
  | { ok: false; checked: number; brokenAt: number; reason: string };

/**
 * Walks the whole chain: positions must be 1..N without gaps, each prevHash must be the hash
 * before it, and each hash must be the recomputed sha256(prevHash ‖ canonical event). Reports
 * the first position where any of these fails.
 */
export async function verifyLedger(db: Db, options: { pageSize?: number } = {}): Promise<LedgerVerification> {
  const pageSize = options.pageSize ?? 5000;
  let expectedPosition = 1;
  let prevHash = GENESIS_HASH;
  let checked = 0;
  for (;;) {
    const page = await readEvents(db, { after: expectedPosition - 1, limit: pageSize });
    if (page.length === 0) break;
    for (const event of page) {
      const fail = (reason: string): LedgerVerification => ({ ok: false, checked, brokenAt: expectedPosition, reason });
      if (event.position !== expectedPosition) return fail(`position ${expectedPosition} is missing (next is ${event.position})`);
      if (event.prevHash !== prevHash) return fail('prevHash does not match the previous event');
      const { hash, prevHash: _ignored, ...body } = event;
      if (chainHash(prevHash, canonicalEvent(body)) !== hash) return fail('hash does not match the event content');
      prevHash = hash;
      expectedPosition++;
      checked++;
    }
  }
  return { ok: true, checked, head: expectedPosition - 1, headHash: prevHash };
}
