import type { Db } from './database.ts';
import { canonicalJson, chainLink, eventDigest, GENESIS_HASH } from './hashChain.ts';

export type LedgerVerification =
  | { ok: true; checked: number; head: number; headHash: string }
  | { ok: false; checked: number; brokenAt: number; reason: string };

/**
 * Walks the whole chain over the rows as stored — ciphertext and pseudonyms, never decrypted,
 * so an erasure (a deleted key) changes nothing here: positions must be 1..N without gaps, each
 * row's digest must be the recomputed digest of its content, each prevHash the hash before it,
 * and each hash the recomputed link (src/ledger/hashChain.ts). Reports the first position where
 * any of these fails.
 */
export async function verifyLedger(db: Db, options: { pageSize?: number } = {}): Promise<LedgerVerification> {
  const pageSize = options.pageSize ?? 5000;
  let expectedPosition = 1;
  let prevHash = GENESIS_HASH;
  let checked = 0;
  for (;;) {
    const page = await db.selectFrom('events').selectAll().where('position', '>', expectedPosition - 1).orderBy('position').limit(pageSize).execute();
    if (page.length === 0) break;
    for (const row of page) {
      const fail = (reason: string): LedgerVerification => ({ ok: false, checked, brokenAt: expectedPosition, reason });
      const position = Number(row.position);
      if (position !== expectedPosition) return fail(`position ${expectedPosition} is missing (next is ${position})`);
      if (row.prev_hash !== prevHash) return fail('prevHash does not match the previous event');
      let digest: string;
      try {
        digest = eventDigest({
          id: row.id,
          type: row.type,
          stream: row.stream,
          appid: row.appid,
          subject: row.subject,
          subjectKey: row.subject_key,
          related: row.related,
          unionid: row.unionid,
          fingerprint: row.fingerprint,
          data: canonicalJson(row.data),
          meta: canonicalJson(row.meta),
          occurredAt: toIso(row.occurred_at),
          recordedAt: toIso(row.recorded_at),
        });
      } catch (error) {
        return fail(`the stored content has no canonical form: ${(error as Error).message}`);
      }
      if (digest !== row.digest) return fail('the content does not match its digest');
      if (chainLink(prevHash, position, row.stream_version, digest) !== row.hash) return fail('hash does not match the event');
      prevHash = row.hash;
      expectedPosition++;
      checked++;
    }
  }
  return { ok: true, checked, head: expectedPosition - 1, headHash: prevHash };
}

function toIso(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}
