import { CursorCheckpoint } from '../ledger/consumer/cursorCheckpoint.ts';
import { eventsAfter } from '../ledger/consumer/eventsAfter.ts';
import type { LedgerConsumer } from '../ledger/consumer/ledgerConsumer.ts';
import type { Processor } from '../ledger/consumer/processor.ts';
import type { Db } from '../ledger/database.ts';
import type { LedgerEvent } from '../ledger/events.ts';
import type { Publisher } from './publisher.ts';

export type RelayStatus = {
  publisher: string;
  leader: boolean;
  connected: boolean;
  cursor: number;
  head: number;
  lastError: string | null;
  lastPublishedAt: string | null;
};

export type RelayOptions = {
  /** The consumer the relay runs on: it leads, reads and retries. */
  consumer: LedgerConsumer;
  db: Db;
  publisher: Publisher;
  /** Cursor row name; one cursor per destination. */
  name?: string;
  onPublished?: (count: number, lagMs: number) => void;
};

export type OutboxRelay = { readonly processor: Processor; status(): RelayStatus };

/**
 * The transactional outbox, with the ledger itself as the outbox: a processor that publishes each
 * page it is handed in position order and moves its cursor only past acknowledged events, so
 * nothing is lost when the bus is down (at-least-once; Nats-Msg-Id makes a repeat invisible).
 * Its consumer's leader lock makes it the only relay publishing to the destination.
 */
export function createOutboxRelay(options: RelayOptions): OutboxRelay {
  const { consumer, db, publisher } = options;
  const name = options.name ?? publisher.name;
  let cursor = 0;
  let lastError: string | null = null;
  let lastPublishedAt: string | null = null;

  const processor: Processor = {
    name: `outbox-relay:${name}`,
    async checkpoint() {
      cursor = await CursorCheckpoint.load(db, name);
      return cursor;
    },
    async handle({ page, after }) {
      const events = eventsAfter(page.events, after);
      if (events.length === 0) return after;
      const { acked, error } = await publisher.publish(events as LedgerEvent[]);
      if (acked > 0) {
        const last = events[acked - 1]!;
        await CursorCheckpoint.store(db, name, last.position);
        cursor = last.position;
        lastPublishedAt = new Date().toISOString();
        options.onPublished?.(acked, Date.now() - Date.parse(last.recordedAt));
      }
      if (error) {
        lastError = error.message;
        throw error;
      }
      lastError = null;
      return cursor;
    },
    async observe() {
      cursor = (await CursorCheckpoint.peek(db, name)) ?? cursor;
    },
  };
  consumer.add(processor);

  return {
    processor,
    status() {
      const { leader, head } = consumer.status();
      return { publisher: publisher.name, leader, connected: publisher.connected, cursor, head: Math.max(head, cursor), lastError, lastPublishedAt };
    },
  };
}
