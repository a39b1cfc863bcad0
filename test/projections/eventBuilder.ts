import type { EventDataOf, EventSource, EventType, LedgerEvent } from '../../src/ledger/events.ts';

/** Minute `n` of a fixed day: event times tests can order at a glance. */
export function at(minute: number, second = 0): string {
  return new Date(Date.UTC(2024, 0, 1, 0, minute, second)).toISOString();
}

export type EventOptions = { at?: string; source?: EventSource; position?: number };

/**
 * Envelopes with consecutive positions, as the ledger would hand them to a projection.
 * Ids and hashes are fake: the folds must not look at them.
 */
export function eventBuilder(firstPosition = 1) {
  let next = firstPosition;
  return function event<T extends EventType>(type: T, data: EventDataOf<T>, options: EventOptions = {}): LedgerEvent<T> {
    const position = options.position ?? next;
    next = Math.max(next, position) + 1;
    const occurredAt = options.at ?? at(0);
    return {
      id: `evt-${position}`,
      position,
      type,
      stream: 'test',
      streamVersion: position,
      data,
      meta: { source: options.source ?? 'webhook', idempotencyKey: `key-${position}` },
      occurredAt,
      recordedAt: occurredAt,
      hash: `hash-${position}`,
      prevHash: `hash-${position - 1}`,
    } as LedgerEvent<T>;
  };
}

/** The same envelope re-delivered by WeChat and appended again (dedupe missed it) at a new position. */
export function redelivered<T extends EventType>(event: LedgerEvent<T>, position: number): LedgerEvent<T> {
  return { ...event, id: `evt-${position}`, position, meta: { ...event.meta, idempotencyKey: `key-${position}` } };
}

export const OA = 'wxoa';
export const MP = 'wxmp';
export const WEB = 'wxweb';
export const NEW_OA = 'wxoa2';
