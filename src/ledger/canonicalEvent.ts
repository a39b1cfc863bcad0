import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { LedgerEvent } from './events.ts';

/** The hash of the (non-existent) event before position 1. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * RFC 8785 canonical JSON of everything an event says except its own hash fields, so the chain
 * covers ids, positions, times and content. Times are ISO strings with millisecond precision on
 * both the write and the read path, so they round-trip through timestamptz unchanged.
 */
export function canonicalEvent(event: Omit<LedgerEvent, 'hash' | 'prevHash'>): string {
  return canonicalize({
    id: event.id,
    position: event.position,
    type: event.type,
    stream: event.stream,
    streamVersion: event.streamVersion,
    data: event.data,
    meta: event.meta,
    occurredAt: event.occurredAt,
    recordedAt: event.recordedAt,
  }) as string;
}

export function chainHash(prevHash: string, canonical: string): string {
  return createHash('sha256').update(prevHash).update(canonical).digest('hex');
}

/** Canonical JSON of arbitrary content, for idempotency comparisons. */
export function canonicalJson(value: unknown): string {
  return canonicalize(value) as string;
}
