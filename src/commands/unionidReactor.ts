import { CursorCheckpoint } from '../ledger/consumer/cursorCheckpoint.ts';
import { eventsAfter } from '../ledger/consumer/eventsAfter.ts';
import type { LedgerConsumer } from '../ledger/consumer/ledgerConsumer.ts';
import type { Processor } from '../ledger/consumer/processor.ts';
import type { Ledger } from '../ledger/ledger.ts';
import type { Logger } from '../observability/logger.ts';
import type { WechatClient } from '../wechat/api/wechatClient.ts';
import { lookupsAfterSubscribe } from './lookupsAfterSubscribe.ts';
import { createPendingPositions, type PendingPositions } from './pendingPositions.ts';
import { createUnionidLookupQueue, type UnionidLookupQueue } from './unionidLookupQueue.ts';

export type UnionidReactorOptions = {
  /** The consumer it runs on: it leads, reads and retries. */
  consumer: LedgerConsumer;
  ledger: Ledger;
  clientOf(appid: string): WechatClient | undefined;
  kindOf(appid: string): 'oa' | 'mp' | 'web' | undefined;
  logger: Logger;
  /** WeChat calls in flight at once. */
  concurrency?: number;
  /** Lookups queued at most; past that the reactor takes the rest of a page later. */
  maxPending?: number;
  /**
   * The checkpoint is stored at most this often (and at a shutdown): one small write a second
   * however busy the webhook, at the price of a crash asking WeChat again about at most a second's
   * finished lookups (an answer the ledger already has appends nothing, unless it came through
   * the other API this time: `via` is part of the fact).
   */
  checkpointEveryMs?: number;
};

export type UnionidReactor = {
  readonly processor: Processor;
  /** Lookups queued, in flight, dropped (at a shutdown, to be asked again) by this leader. */
  stats(): { pending: number; active: number; dropped: number };
  /** Resolves once every subscribe committed before the call has had its lookup (tests). */
  idle(): Promise<void>;
};

/** Its checkpoint's row in `outbox_cursors`. */
export const UNIONID_REACTOR = 'unionid-reactor';

/**
 * After a subscribe to an Official Account, asks WeChat for the subscriber's unionid — off the
 * webhook's path, because WeChat gives up on a push after 5 s. A reactor on the ledger: it is
 * handed the pages after its checkpoint, queues the lookups they call for (lookupsAfterSubscribe.ts;
 * a page's lookups go out together, see unionidLookupQueue.ts), and moves its checkpoint
 * (a row of `outbox_cursors`) only past subscribes whose lookups are done — so a lookup queued
 * when the process is killed is made by whoever leads next. A missing checkpoint starts at the
 * head: the first start does not look up the whole history (`backfill-unionids` does that).
 */
export function createUnionidReactor(options: UnionidReactorOptions): UnionidReactor {
  const { consumer, ledger } = options;
  const db = ledger.storage.db;
  const maxPending = options.maxPending ?? 10_000;
  const checkpointEveryMs = options.checkpointEveryMs ?? 1000;
  /** While leading: the queue, what it holds, and how far pages were taken. */
  let queue: UnionidLookupQueue | null = null;
  let pending: PendingPositions = createPendingPositions();
  let taken: number | null = null;
  let stored = 0;
  let lastStoredAt = 0;
  let storeQueued = false;
  let storing: Promise<void> = Promise.resolve();
  let storeTimer: NodeJS.Timeout | null = null;
  let waiters: { until: number; resolve(): void }[] = [];

  const settledUpTo = () => (taken === null ? null : pending.safeUpTo(taken));

  const notify = () => {
    const at = settledUpTo();
    if (at === null) return;
    waiters = waiters.filter((waiter) => {
      if (at < waiter.until) return true;
      waiter.resolve();
      return false;
    });
  };

  /** Stores the checkpoint soon: now if the last store is `checkpointEveryMs` old, else when it is. */
  function storeSoon(): void {
    if (storeTimer) return;
    const wait = lastStoredAt + checkpointEveryMs - Date.now();
    if (wait <= 0) {
      void store();
      return;
    }
    storeTimer = setTimeout(() => {
      storeTimer = null;
      void store();
    }, wait);
    storeTimer.unref();
  }

  /** Stores the checkpoint as far as the finished lookups allow; one store at a time, the latest position. */
  function store(): Promise<void> {
    if (storeQueued) return storing;
    storeQueued = true;
    storing = storing.then(async () => {
      storeQueued = false;
      const target = settledUpTo();
      if (target === null || target <= stored) return;
      lastStoredAt = Date.now();
      try {
        await CursorCheckpoint.store(db, UNIONID_REACTOR, target);
        stored = target;
      } catch (error) {
        options.logger.warn({ err: (error as Error).message }, 'unionid reactor: storing its checkpoint failed; lookups after it would be asked again');
      }
    });
    return storing;
  }

  const processor: Processor = {
    name: UNIONID_REACTOR,
    async checkpoint() {
      // Still leading (after a refresh): what is queued is in hand, not to be handed again.
      if (taken !== null) return taken;
      stored = await CursorCheckpoint.load(db, UNIONID_REACTOR, () => ledger.head());
      queue = createUnionidLookupQueue({
        ledger,
        clientOf: options.clientOf,
        logger: options.logger,
        maxPending,
        ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
      });
      pending = createPendingPositions();
      taken = stored;
      return taken;
    },
    async handle({ page, after }) {
      if (!queue) throw new Error('unionid reactor: handed a page before its checkpoint');
      const events = eventsAfter(page.events, after);
      const last = events[events.length - 1]?.position ?? after;
      const lookups = lookupsAfterSubscribe(events, options.kindOf);
      const room = Math.max(0, maxPending - queue.stats().pending);
      const accepted = lookups.length > room ? lookups.slice(0, room) : lookups;
      // No room for all of them: the rest of the page is handed again after a pause.
      const upTo = accepted.length < lookups.length ? lookups[accepted.length]!.position - 1 : last;
      const entries = accepted.map((lookup) => pending.add(lookup.position));
      const current = pending;
      queue.enqueueAll(accepted).forEach((outcome, i) => {
        void outcome.then((result) => {
          // A dropped lookup (shutdown) stays pending: the checkpoint does not pass it.
          if (result !== 'done' || current !== pending) return;
          pending.finish(entries[i]!);
          notify();
          storeSoon();
        });
      });
      taken = upTo;
      notify();
      storeSoon();
      return upTo;
    },
    async pause() {
      await queue?.stop();
      if (storeTimer) clearTimeout(storeTimer);
      storeTimer = null;
      await store();
      await storing;
      queue = null;
      taken = null;
    },
  };
  consumer.add(processor);

  return {
    processor,
    stats: () => queue?.stats() ?? { pending: 0, active: 0, dropped: 0 },
    async idle() {
      const head = await ledger.head();
      const at = settledUpTo();
      if (at !== null && at >= head) return;
      await new Promise<void>((resolve) => waiters.push({ until: head, resolve }));
    },
  };
}
