import { hash } from 'node:crypto';

/**
 * The ledger's hash chain — its whole definition, in one place. `verify` recomputes it from the
 * stored rows; the append function in PostgreSQL (migration 0005, `ledger_append`) computes the
 * link with the same formula; test/ledger/hashChain.unit.spec.ts pins both with a fixed vector.
 * Changing anything here breaks every existing ledger: a new format is a new chain version.
 *
 * Two steps, so the part that depends on the ledger's head is tiny and can run in SQL under the
 * append lock:
 *  - `eventDigest`: sha256 over RFC 8785 canonical JSON of everything an event stores except what
 *    the ledger assigns at commit (position, stream version, hashes). Computed by the appender
 *    before the lock. It covers the *stored* form — ciphertext, pseudonyms, key id — never the
 *    personal data itself, so deleting a subject's key (erasure) leaves the chain verifiable.
 *  - `chainLink`: sha256(prevHash ":" position ":" streamVersion ":" digest), hex.
 */

/** The hash of the (non-existent) event before position 1. */
export const GENESIS_HASH = '0'.repeat(64);

/** What `eventDigest` covers: an event exactly as stored, minus what the commit assigns. */
export type DigestedEvent = {
  id: string;
  type: string;
  stream: string;
  appid: string;
  /** Pseudonym of the data subject; null for events about no one. */
  subject: string | null;
  /** The subject key the personal fields are sealed under; null when nothing is sealed. */
  subjectKey: string | null;
  /** Pseudonym of a second identity the event names (the new side of a conversion). */
  related: string | null;
  /** Pseudonym of the unionid the event names. */
  unionid: string | null;
  /** Keyed digest of the plaintext content: a repeated idempotency key with other content is a conflict. */
  fingerprint: string;
  /** Canonical JSON of the stored data (clear fields plus `sealed`) and of the stored meta. */
  data: string;
  meta: string;
  occurredAt: string;
  recordedAt: string;
};

/**
 * sha256 of the canonical JSON of a `DigestedEvent`, hex. Written out rather than built as an
 * object and canonicalized: the keys are fixed, so their RFC 8785 order is too (a property test
 * holds this to `canonicalJson` of the same object).
 */
export function eventDigest(event: DigestedEvent): string {
  const text =
    `{"appid":${canonicalJson(event.appid)},"data":${event.data},"fingerprint":${JSON.stringify(event.fingerprint)},` +
    `"id":${JSON.stringify(event.id)},"meta":${event.meta},"occurredAt":${JSON.stringify(event.occurredAt)},` +
    `"recordedAt":${JSON.stringify(event.recordedAt)},"related":${nullable(event.related)},"stream":${canonicalJson(event.stream)},` +
    `"subject":${nullable(event.subject)},"subjectKey":${nullable(event.subjectKey)},"type":${canonicalJson(event.type)},` +
    `"unionid":${nullable(event.unionid)}}`;
  return hash('sha256', text, 'hex');
}

/** The link of one event into the chain; `ledger_append` computes exactly this in SQL. */
export function chainLink(prevHash: string, position: number, streamVersion: number, digest: string): string {
  return hash('sha256', `${prevHash}:${position}:${streamVersion}:${digest}`, 'hex');
}

function nullable(value: string | null): string {
  return value === null ? 'null' : JSON.stringify(value);
}

/**
 * RFC 8785 (JCS) canonical JSON, byte for byte what the `canonicalize` package produces (a
 * property test holds the two together), without its per-character surrogate scan: a regular
 * expression finds the rare string with a surrogate, and only that one is checked for pairs.
 * Throws for what has no canonical form (lone surrogates, NaN, Infinity).
 */
export function canonicalJson(value: unknown): string {
  return encode(value) as string;
}

const SURROGATE = /[\uD800-\uDFFF]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function encode(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      if (SURROGATE.test(value) && LONE_SURROGATE.test(value)) throw new Error('Lone surrogate is not allowed');
      return JSON.stringify(value);
    case 'number':
      if (Number.isNaN(value)) throw new Error('NaN is not allowed');
      if (!Number.isFinite(value)) throw new Error('Infinity is not allowed');
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      const object = value as Record<string, unknown> & { toJSON?: () => unknown };
      if (typeof object.toJSON === 'function') return encode(object.toJSON());
      if (Array.isArray(object)) return `[${object.map((item) => encode(item === undefined || typeof item === 'symbol' ? null : item)).join(',')}]`;
      const parts: string[] = [];
      for (const key of Object.keys(object).sort()) {
        const item = object[key];
        if (item === undefined || typeof item === 'symbol') continue;
        parts.push(`${encode(key)}:${encode(item)}`);
      }
      return `{${parts.join(',')}}`;
    }
    default:
      return JSON.stringify(value);
  }
}
