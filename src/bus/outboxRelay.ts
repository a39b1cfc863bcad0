import { sql } from 'kysely';
import type { Ledger } from '../ledger/ledger.ts';
import type { LockHandle } from '../ledger/openStorage.ts';
import type { Publisher } from './publisher.ts';
import { createWakeSignal } from '../ledger/wakeSignal.ts';
import { MAX_READ_LIMIT } from '../ledger/readEvents.ts';

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
  ledger: Ledger;
  publisher: Publisher;
  /** Cursor row name; one cursor per destination. */
  name?: string;
  batchSize?: number;
  retryMs?: number;
  onPublished?: (count: number, lagMs: number) => void;
  onError?: (error: Error) => void;
};

/**
 * The transactional outbox, with the ledger itself as the outbox: publishes events after the
 * stored cursor in position order, advances the cursor only after the acks, so nothing is lost
 * when the bus is down (at-least-once; Nats-Msg-Id makes a repeat invisible). Exactly one relay
 * per destination publishes at a time across processes (a session advisory lock).
 */
export function createOutboxRelay(options: RelayOptions) {
  const { ledger, publisher } = options;
  const name = options.name ?? publisher.name;
  const db = ledger.storage.db;
  // Capped at what a read returns: a page of that size is a full one.
  const batchSize = Math.min(options.batchSize ?? 500, MAX_READ_LIMIT);
  const retryMs = options.retryMs ?? 1000;
  let stopped = false;
  let lock: LockHandle | null = null;
  let cursor = 0;
  let head = 0;
  let lastError: string | null = null;
  let lastPublishedAt: string | null = null;
  const wakeSignal = createWakeSignal();
  const unsubscribe = ledger.onAppend((position) => {
    head = Math.max(head, position);
    wakeSignal.wake();
  });
  // A retry pause ignores commits from before it; one during it (or `stop`) ends it early.
  const sleep = (ms: number) => {
    wakeSignal.signalled = false;
    return wakeSignal.sleep(ms);
  };

  const fail = (error: unknown) => {
    const err = error instanceof Error ? error : new Error(String(error));
    lastError = err.message;
    options.onError?.(err);
  };

  async function readCursor(): Promise<number> {
    await db.insertInto('outbox_cursors').values({ name, position: 0 }).onConflict((oc) => oc.column('name').doNothing()).execute();
    const row = await db.selectFrom('outbox_cursors').select('position').where('name', '=', name).executeTakeFirstOrThrow();
    return Number(row.position);
  }

  async function loop(): Promise<void> {
    while (!stopped) {
      try {
        if (!lock?.held) {
          lock = await ledger.storage.tryLock(`outbox-relay:${name}`);
          if (!lock) {
            await sleep(retryMs * 2);
            continue;
          }
          cursor = await readCursor();
        }
        wakeSignal.signalled = false;
        const page = await ledger.read({ after: cursor, limit: batchSize });
        if (page.length === 0) {
          head = Math.max(head, cursor);
          await wakeSignal.sleep(5000);
          continue;
        }
        head = Math.max(head, page[page.length - 1]!.position);
        const { acked, error } = await publisher.publish(page);
        if (acked > 0) {
          const last = page[acked - 1]!;
          // greatest(): a relay that lost its lock without noticing can never move it back.
          await sql`update outbox_cursors set position = greatest(position, ${last.position}), updated_at = now() where name = ${name}`.execute(db);
          cursor = last.position;
          lastPublishedAt = new Date().toISOString();
          options.onPublished?.(acked, Date.now() - Date.parse(last.recordedAt));
        }
        if (error) {
          fail(error);
          await sleep(retryMs);
        } else {
          lastError = null;
          // All of a short page published: wait for the next commit (one announced since the read
          // began has signalled, and sleep returns at once) — no empty read per batch.
          if (acked === page.length && page.length < batchSize) await wakeSignal.sleep(5000);
        }
      } catch (error) {
        fail(error);
        await sleep(retryMs);
      }
    }
  }

  let running: Promise<void> | null = null;
  return {
    start() {
      running ??= loop();
      return this;
    },
    status(): RelayStatus {
      return { publisher: publisher.name, leader: Boolean(lock?.held), connected: publisher.connected, cursor, head, lastError, lastPublishedAt };
    },
    async stop(): Promise<void> {
      stopped = true;
      unsubscribe();
      wakeSignal.wake();
      await running;
      await lock?.release();
      lock = null;
    },
  };
}

export type OutboxRelay = ReturnType<typeof createOutboxRelay>;
