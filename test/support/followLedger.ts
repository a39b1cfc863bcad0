import { randomUUID } from 'node:crypto';
import { createLedgerConsumer } from '../../src/ledger/consumer/ledgerConsumer.ts';
import { eventsAfter } from '../../src/ledger/consumer/eventsAfter.ts';
import type { LedgerEvent } from '../../src/ledger/events.ts';
import type { Ledger } from '../../src/ledger/ledger.ts';

/**
 * Follows the ledger from `after` with a consumer of its own (its own lock name, so followers never
 * wait for each other), handing `handler` the events of each page in order; the next page only
 * once the handler's promise has settled. A checkpoint kept in memory.
 */
export function followLedger(
  ledger: Ledger,
  after: number,
  handler: (events: readonly LedgerEvent[]) => Promise<void>,
  options: { batchSize?: number; safetyPollMs?: number } = {},
): { stop(): Promise<void> } {
  let position = after;
  const consumer = createLedgerConsumer({ ledger, name: `test-follower-${randomUUID()}`, ...options });
  consumer.add({
    name: 'follower',
    checkpoint: async () => position,
    async handle(delivery) {
      const events = eventsAfter(delivery.page.events, delivery.after);
      if (events.length > 0) await handler(events);
      position = events[events.length - 1]?.position ?? position;
      return position;
    },
  });
  consumer.start();
  return { stop: () => consumer.stop() };
}
