import { createHash, createHmac } from 'node:crypto';
import { sql } from 'kysely';
import { executeBatchStatement, lookUpInBatch, lookupValues } from '../../projections/store/lookupBatch.ts';
import type { Db } from '../ledger/database.ts';
import { PREPARED } from '../ledger/openStorage.ts';
import { LedgerUnavailableError } from '../ledger/ledgerErrors.ts';
import { SignatureError } from './errors.ts';

/**
 * Remembers every signed callback URL — keyed on what its signature covers (nonceKey) — for as
 * long as its timestamp is accepted, with a digest of the account and the exact bytes it carried, in the
 * database, so every instance sees it. In plain mode `signature` does not cover the body:
 * without this, one URL from a proxy or access log lets anyone post any body until the timestamp
 * window closes.
 *
 * The URL is the key, not the URL per account: `signature` does not name the account, so if two
 * accounts had one token (the configuration refuses it), a URL signed for one would verify for
 * the other — the appid is in the digest instead, so that is "another document". The claim is
 * made after the signature check and before the body is parsed: a body that fails parsing still
 * spends the URL.
 *
 * The same URL with the same bytes for the same account is WeChat retrying (it resends byte for
 * byte): let it through, the ledger's idempotency keys dedupe it to `success`. Anything else is
 * refused (403 `replayed_nonce`). The digest is keyed (ContentDigest): rows written before it
 * was (an unkeyed sha256) expire with their window like any other.
 *
 * One statement for the claims that arrive in one turn of the event loop (at most 16: the
 * gathering of projections/store/lookupBatch.ts), alone or not: insert … on conflict … returning.
 * A round trip per push cost the webhook more than the claim costs PostgreSQL (socket writes were
 * 18.8 % of the webhook instance's busy time in `npm run bench -- ingest --split`). Within a batch the claims of one
 * URL are folded into one row, in the order they arrived: the first one's document is the one
 * stored, as it would have been claimed alone first; each claim is then judged against what the
 * row holds, so a batch answers exactly what the same claims one after another would. Expired
 * rows are deleted by one statement a minute per instance, started by a push and run beside it,
 * never on its path.
 */
/** `content`: the method and the exact body (or `echostr`) the URL carried; `appid`: the account it was posted to. */
export type NonceClaim = { appid: string; timestamp: string; nonce: string; signature: string; content: string };

export type CallbackNonces = {
  /** Resolves when the URL is new or carries the same document again; throws SignatureError('replayed_nonce') otherwise. */
  claim(claim: NonceClaim, nowMs?: number): Promise<void>;
};

/**
 * The digest stored beside a URL: keyed (HMAC), so whoever reads the database cannot confirm a
 * guess of what a push said ("did this openid unsubscribe at 10:02?") by hashing it. The service
 * keys it under its pseudonym secret (src/ledger/keys/pseudonyms.ts, wrapped by the master key).
 */
export type ContentDigest = (appid: string, content: string) => Buffer | Promise<Buffer>;

export type CallbackNoncesOptions = {
  /** wechat.timestampToleranceSeconds: how long a URL stays usable, so how long it is remembered. */
  toleranceSeconds: number | null;
  contentDigest: ContentDigest;
  onSweepError?: (error: unknown) => void;
};

/** Clocks of instances (and of the database, which runs the sweep) may differ by this much. */
const CLOCK_MARGIN_SECONDS = 60;
/** Without a window a URL is usable forever; it is remembered this long (README: the opt-out's cost). */
export const UNBOUNDED_MEMORY_SECONDS = 86_400;
const SWEEP_EVERY_MS = 60_000;

export function createCallbackNonces(db: Db, options: CallbackNoncesOptions): CallbackNonces {
  let lastSweep = Number.NEGATIVE_INFINITY;
  let sweeping = false;
  const sweep = () => {
    sweeping = true;
    sql`delete from callback_nonces where expires_at < now()`
      .execute(db)
      .catch((error: unknown) => options.onSweepError?.(error))
      .finally(() => {
        sweeping = false;
      });
  };

  return {
    async claim(claim, nowMs = Date.now()) {
      const digest = await options.contentDigest(claim.appid, claim.content);
      const digestHex = digest.toString('hex');
      const expiry = nonceExpiry(claim.timestamp, options.toleranceSeconds, nowMs);
      // checkTimestamp allows at most 12 digits, so only a timestampToleranceSeconds beyond the range
      // of a JavaScript date gets here; the claim fails alone rather than in its batch.
      if (Number.isNaN(expiry.getTime())) throw new SignatureError('stale_timestamp', 'timestamp is not seconds since the epoch');
      let same: boolean;
      try {
        const stored = await lookUpInBatch<string>(db, 'callback nonces claim', [nonceKey(claim).toString('hex'), digestHex, expiry.toISOString()], (batch) =>
          claimBatch(db, batch as readonly ClaimRow[]),
        );
        same = stored === digestHex;
      } catch (error) {
        // Unknown whether the URL was seen: not `success`, so WeChat retries (503).
        throw new LedgerUnavailableError('callback nonces could not be checked', { cause: error });
      }
      if (nowMs - lastSweep >= SWEEP_EVERY_MS && !sweeping) {
        lastSweep = nowMs;
        sweep();
      }
      if (!same) {
        throw new SignatureError('replayed_nonce', 'this signed URL was already used with a different body');
      }
    },
  };
}

/** key and content digest (hex) and expiry (ISO) of one claim. */
type ClaimRow = readonly [key: string, digest: string, expiresAt: string];

/**
 * Claims `batch` in one statement and answers, for each claim in order, the digest (hex) of the
 * document its URL is now remembered with. One row per URL: ON CONFLICT DO UPDATE may not touch a
 * row twice in one statement, so repeats within the batch are folded here — the first claim's
 * digest (it would have been inserted first) and the latest expiry (what the updates one after
 * another would leave).
 */
async function claimBatch(db: Db, batch: readonly ClaimRow[]): Promise<string[]> {
  const rows = new Map<string, [string, string, string]>();
  for (const [key, digest, expiresAt] of batch) {
    const row = rows.get(key);
    if (!row) rows.set(key, [key, digest, expiresAt]);
    else if (Date.parse(expiresAt) > Date.parse(row[2])) row[2] = expiresAt;
  }
  // Committed without waiting for the WAL flush (synchronous_commit off for this statement's own
  // transaction): a push that appends is answered only after the ledger's commit, whose flush
  // covers this earlier WAL too; otherwise a crash can forget the last fraction of a second of
  // URLs. Waiting here cost every push an fsync: 300 claims in a row made ~280 WAL syncs with it,
  // 2–4 without (pg_stat_wal.wal_sync).
  // In key order: two batches (two instances, or two turns of one) that share URLs then lock their
  // rows in the same order, so they wait for each other instead of deadlocking.
  const ordered = [...rows.values()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const { rows: stored } = await executeBatchStatement<{ key: string; digest: string }>(db, 'callback nonces claim', ordered, (...parameters) =>
    sql<{ key: string; digest: string }>`${sql.raw(PREPARED)}
      insert into callback_nonces as n (key, content_digest, expires_at)
      select decode(c.key, 'hex'), decode(c.digest, 'hex'), c.expires_at::timestamptz
      from ${lookupValues('c', ['key', 'digest', 'expires_at'], parameters)}, (select set_config('synchronous_commit', 'off', true)) as async_commit
      where c.key is not null
      on conflict (key) do update set expires_at = greatest(n.expires_at, excluded.expires_at)
      returning encode(n.key, 'hex') as key, encode(n.content_digest, 'hex') as digest`,
  );
  const digests = new Map(stored.map((row) => [row.key, row.digest]));
  return batch.map(([key]) => {
    const digest = digests.get(key);
    if (digest === undefined) throw new Error('callback nonces: the claim statement returned no row for a URL it was given');
    return digest;
  });
}

/**
 * One fixed-size key for what the signature covers — not the raw `(timestamp, nonce)` pair, and
 * not the appid (see above). `signature` is sha1 over token, timestamp and nonce *sorted and
 * joined without separators*, so other splits of the same digits (`0` moved from the nonce to
 * the timestamp, the two swapped, …) verify with the same signature: keyed on the raw strings,
 * each split was a new, unspent URL that could carry any body in plain mode (red team 2, F2).
 * The signature names the joined string (for one token), so keying on it makes every split of
 * one captured URL the same claim; WeChat's retries (same URL, same bytes) are still the same
 * document. Lowercased: it is compared case-insensitively, so `ABC…` and `abc…` are one URL. The
 * domain prefix keeps these keys apart from earlier versions' keys, which expire with their window.
 */
export function nonceKey(claim: Pick<NonceClaim, 'timestamp' | 'nonce' | 'signature'>): Buffer {
  // timestamp and nonce are deliberately not hashed: how they split the signed digits is not signed.
  return createHash('sha256').update(`url/3\u0000${claim.signature.toLowerCase()}`, 'utf8').digest();
}

/** HMAC-SHA256 of the account and the content under `key` (tests; the service uses its pseudonyms). */
export function keyedContentDigest(key: Buffer): ContentDigest {
  return (appid, content) => createHmac('sha256', key).update('callback-content\u0000').update(appid, 'utf8').update('\u0000').update(content, 'utf8').digest();
}

/** A URL is accepted while |now − timestamp| ≤ tolerance, so it must be remembered until timestamp + tolerance. */
export function nonceExpiry(timestamp: string, toleranceSeconds: number | null, nowMs: number): Date {
  const untilSeconds = toleranceSeconds === null ? nowMs / 1000 + UNBOUNDED_MEMORY_SECONDS : Number(timestamp) + toleranceSeconds;
  return new Date((untilSeconds + CLOCK_MARGIN_SECONDS) * 1000);
}
