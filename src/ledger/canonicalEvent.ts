import { hash } from 'node:crypto';
import type { LedgerEvent } from './events.ts';

/** The hash of the (non-existent) event before position 1. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * RFC 8785 canonical JSON of everything an event says except its own hash fields, so the chain
 * covers ids, positions, times and content. Times are ISO strings with millisecond precision on
 * both the write and the read path, so they round-trip through timestamptz unchanged.
 */
export function canonicalEvent(event: Omit<LedgerEvent, 'hash' | 'prevHash'>): string {
  return canonicalEventOf({ ...event, data: canonicalJson(event.data), meta: canonicalJson(event.meta) });
}

/** An event whose `data` and `meta` are already canonical JSON (computed once, off the commit path). */
export type CanonicalParts = Omit<LedgerEvent, 'hash' | 'prevHash' | 'data' | 'meta'> & { data: string; meta: string };

/**
 * The same text as canonical JSON of the whole envelope, written out: the envelope's keys are
 * fixed, so their RFC 8785 order (UTF-16 code units) is too, and only the values need encoding.
 * The appender hashes every event with this while it holds the ledger lock.
 */
export function canonicalEventOf(parts: CanonicalParts): string {
  return (
    `{"data":${parts.data},"id":${canonicalJson(parts.id)},"meta":${parts.meta},` +
    `"occurredAt":${canonicalJson(parts.occurredAt)},"position":${canonicalJson(parts.position)},` +
    `"recordedAt":${canonicalJson(parts.recordedAt)},"stream":${canonicalJson(parts.stream)},` +
    `"streamVersion":${canonicalJson(parts.streamVersion)},"type":${canonicalJson(parts.type)}}`
  );
}

/** sha256(prevHash ‖ canonical), hex. One-shot: a Hash object per event cost more than the digest. */
export function chainHash(prevHash: string, canonical: string): string {
  return hash('sha256', prevHash + canonical, 'hex');
}

/**
 * RFC 8785 (JCS) canonical JSON, byte for byte what the `canonicalize` package produces (the
 * chain was first written with it), without its per-character surrogate scan: a regular
 * expression finds the rare string with a surrogate, and only that one is checked for pairs.
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
