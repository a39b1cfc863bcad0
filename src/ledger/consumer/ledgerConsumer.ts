import type { Ledger } from '../ledger.ts';
import type { LockHandle } from '../openStorage.ts';
import { MAX_READ_LIMIT } from '../readEvents.ts';
import { createWakeSignal } from '../wakeSignal.ts';
import type { Delivery, LedgerPage, Processor } from './processor.ts';

export type LedgerConsumerOptions<P extends LedgerPage> = {
  ledger: Ledger;
  /** Names the leader lock: one consumer of a name leads across all processes. */
  name: string;
  /** Reads the page after a position; `ledger.readPage` (events and the erasure epoch) by default. */
  read?: (after: number, limit: number) => Promise<P>;
  /** Events per read. */
  batchSize?: number;
  /** The most `read` returns in one call (a page that long is full): `ledger.read`'s cap by default. */
  readLimit?: number;
  /** Pause before a processor that failed is handed a page again; a passive instance tries for the lock every 2 × retryMs. */
  retryMs?: number;
  /** Every processor reads again after this long even if no commit was announced (a notification may be lost). */
  safetyPollMs?: number;
  /** A processor's failure (`processor` = its name), or the consumer's own (a read, the lock). */
  onError?: (error: Error, processor: string | null) => void;
};

export type ProcessorStatus = { name: string; position: number | null; busy: boolean; lastError: string | null };
export type ConsumerStatus = { name: string; leader: boolean; head: number; lastError: string | null; processors: ProcessorStatus[] };

export type LedgerConsumer<P extends LedgerPage = LedgerPage> = {
  readonly name: string;
  /** Adds a processor; it starts at its checkpoint when this consumer leads. */
  add(processor: Processor<P>): void;
  /** Idempotent. */
  start(): LedgerConsumer<P>;
  /** Asks `processor` (or every processor) for its checkpoint again before its next page. */
  refresh(processor?: Processor<P>): void;
  status(): ConsumerStatus;
  stop(): Promise<void>;
};

/** One processor as the consumer drives it. */
type Lane<P extends LedgerPage> = {
  processor: Processor<P>;
  /** Last position it handled; null when it follows nothing (or its checkpoint is not loaded yet). */
  position: number | null;
  /** `position` came from `checkpoint()` since this consumer last became leader (or the lane failed). */
  loaded: boolean;
  /** A page or a checkpoint load is in progress. */
  busy: boolean;
  /** Not before this time (after a failure, or a page it took only part of). */
  retryAt: number;
  /** It has handled everything committed before announcement number `caughtUpAt`; null: not known to be caught up. */
  caughtUpAt: number | null;
  lastError: string | null;
  /** Failures in a row (reset by a success): how long the next pause is, for a processor with `maxRetryMs`. */
  failures: number;
};

type Read<P> = { page: P; announcedAtStart: number };
/** A page read (or being read), kept for the other processors at the same position. */
type Kept<P> = { page: Promise<P>; announcedAtStart: number; full: boolean | null };

/**
 * Follows the ledger for any number of processors (the outbox relay, the projections, the unionid
 * reactor): one leader per consumer name across all processes (a session advisory lock), a
 * checkpoint per processor (kept by the processor itself), one read of the page after it shared
 * by every processor at that position, wake-ups on commits (in-process and, on PostgreSQL,
 * LISTEN/NOTIFY) backed by a safety poll, and a retry pause per processor. Processors run
 * side by side: one that is slow or failing (NATS down, WeChat slow) holds up only itself — the
 * others keep being handed pages from their own positions.
 */
export function createLedgerConsumer<P extends LedgerPage = LedgerPage>(options: LedgerConsumerOptions<P>): LedgerConsumer<P> {
  const { ledger, name } = options;
  const storage = ledger.storage;
  const read = options.read ?? (async (after: number, limit: number) => ({ events: await ledger.readPage(after, limit) }) as unknown as P);
  // A page is full at what a read returns at most, not at what was asked for.
  const limit = Math.max(1, Math.min(Math.trunc(options.batchSize ?? 1000), options.readLimit ?? MAX_READ_LIMIT));
  const retryMs = options.retryMs ?? 1000;
  const safetyPollMs = options.safetyPollMs ?? 5000;

  const lanes: Lane<P>[] = [];
  const inFlight = new Set<Promise<void>>();
  let lock: LockHandle | null = null;
  let stopped = false;
  let head = 0;
  let lastError: string | null = null;
  /**
   * Counts commit announcements. A read remembers the count when it starts: a commit announced
   * later may be missing from it, so a processor handed a short page is caught up only as of that
   * count, and reads again as soon as the count has moved on — whenever the read began.
   */
  let announced = 0;
  let nextSafetyPoll = Date.now() + safetyPollMs;
  /**
   * The last few pages read (or read ahead), by the position they were read after: a processor
   * that finishes its page after the others have read the next one is handed that read, if it is
   * full or nothing was announced since it began — a read serves every processor it can.
   */
  const pages = new Map<number, Kept<P>>();
  const wake = createWakeSignal();
  /** Only `stop` ends these sleeps: a passive instance and a failed read wait at their own pace. */
  const stopSignal = createWakeSignal();
  let unsubscribe: (() => void) | null = null;

  const fail = (error: unknown, processor: string | null): string => {
    const err = error instanceof Error ? error : new Error(String(error));
    options.onError?.(err, processor);
    return err.message;
  };

  /** Runs `work` for a lane in the background; the lane is busy until it settles. */
  function run(lane: Lane<P>, work: () => Promise<void>): void {
    lane.busy = true;
    const running: Promise<void> = work()
      .catch((error: unknown) => {
        lane.loaded = false;
        lane.caughtUpAt = null;
        lane.failures++;
        const cap = lane.processor.maxRetryMs ?? retryMs;
        lane.retryAt = Date.now() + Math.min(cap, retryMs * 2 ** Math.min(lane.failures - 1, 20));
        lane.lastError = fail(error, lane.processor.name);
      })
      .finally(() => {
        lane.busy = false;
        inFlight.delete(running);
        wake.wake();
      });
    inFlight.add(running);
  }

  function deliver(lane: Lane<P>, delivery: Delivery<P>, last: number, announcedAtStart: number): void {
    run(lane, async () => {
      const reached = await lane.processor.handle(delivery);
      // Only a handled page clears a failure: a checkpoint load between two failed tries does not.
      lane.failures = 0;
      lane.lastError = null;
      lane.position = reached;
      if (reached === null) return;
      if (reached > last) lane.caughtUpAt = null;
      else if (reached === last) lane.caughtUpAt = delivery.full ? null : announcedAtStart;
      // Took only part of the page: the rest after a pause. Moved back (a projection switched to
      // a version behind it): from there at once.
      else if (reached >= delivery.after) lane.retryAt = Date.now() + retryMs;
    });
  }

  function fetch(after: number): Kept<P> {
    const kept: Kept<P> = { page: read(after, limit), announcedAtStart: announced, full: null };
    kept.page.then(
      (page) => (kept.full = page.events.length >= limit),
      () => {
        if (pages.get(after) === kept) pages.delete(after);
      },
    );
    pages.delete(after);
    pages.set(after, kept);
    if (pages.size > 8) pages.delete(pages.keys().next().value!);
    return kept;
  }

  /** A full page never changes; a short one read before the latest announcement may lack that commit. */
  const usable = (kept: Kept<P> | undefined): kept is Kept<P> => kept !== undefined && (kept.full !== false || kept.announcedAtStart === announced);

  async function readPage(after: number): Promise<Read<P>> {
    const kept = pages.get(after);
    const chosen = usable(kept) ? kept : fetch(after);
    return { page: await chosen.page, announcedAtStart: chosen.announcedAtStart };
  }

  /**
   * After a full page the next one is read while this one is handled, so a backlog drains at the
   * pace of the slower of reading and handling, not of both in turn.
   */
  function readAheadAfter(position: number): void {
    if (!usable(pages.get(position))) fetch(position).page.catch(() => {}); // surfaced when (and only if) the page is used
  }

  /** Starts what is due: checkpoint loads, then reads shared by the lanes at the same position, and their pages. */
  async function schedule(now: number): Promise<void> {
    const lowest = Math.min(...lanes.map((lane) => (lane.loaded && lane.position !== null ? lane.position : Infinity)));
    for (const after of pages.keys()) if (after < lowest) pages.delete(after);
    for (const lane of lanes) {
      if (lane.busy || lane.loaded || lane.retryAt > now) continue;
      run(lane, async () => {
        lane.position = await lane.processor.checkpoint();
        lane.loaded = true;
        lane.caughtUpAt = null;
        // Following nothing, it is handed no page that could clear an earlier failure.
        if (lane.position === null) lane.lastError = null;
      });
    }
    let due = lanes.filter(
      (lane) => !lane.busy && lane.loaded && lane.position !== null && lane.retryAt <= now && !(lane.caughtUpAt !== null && lane.caughtUpAt >= announced),
    );
    while (due.length > 0 && !stopped && lock?.held) {
      const after = Math.min(...due.map((lane) => lane.position!));
      const { page, announcedAtStart } = await readPage(after);
      const events = page.events;
      const full = events.length >= limit;
      const last = events.length > 0 ? events[events.length - 1]!.position : after;
      head = Math.max(head, last);
      if (full) readAheadAfter(last);
      // Nothing after the lowest of them: each is told so once (an empty page), which is how a
      // processor that read up to the head on a full page learns it has caught up.
      for (const lane of due) {
        if (events.length === 0) deliver(lane, { page, after: lane.position!, full }, lane.position!, announcedAtStart);
        else if (lane.position! < last) deliver(lane, { page, after: lane.position!, full }, last, announcedAtStart);
      }
      if (events.length === 0) return;
      // The ones already past this page (their positions diverged) are read for on their own.
      due = due.filter((lane) => !lane.busy);
    }
  }

  function sleepMs(now: number): number {
    let ms = nextSafetyPoll - now;
    for (const lane of lanes) if (!lane.busy && lane.retryAt > now) ms = Math.min(ms, lane.retryAt - now);
    return Math.max(ms, 1);
  }

  async function settle(): Promise<void> {
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
  }

  async function pauseProcessors(): Promise<void> {
    await settle();
    pages.clear();
    for (const lane of lanes) {
      try {
        await lane.processor.pause?.();
      } catch (error) {
        lane.lastError = fail(error, lane.processor.name);
      }
    }
  }

  async function lead(): Promise<void> {
    if (lock) {
      // The session holding the lock is gone (the database restarted): someone else may lead now.
      const lost = lock;
      lock = null;
      await pauseProcessors();
      await lost.release().catch(() => {});
    }
    lock = await storage.tryLock(`ledger-consumer:${name}`);
    if (!lock) return;
    for (const lane of lanes) Object.assign(lane, { position: null, loaded: false, retryAt: 0, caughtUpAt: null });
  }

  /** A passive instance only reports what the leader has done. */
  async function observe(): Promise<void> {
    head = Math.max(head, await ledger.head());
    for (const lane of lanes) {
      try {
        await lane.processor.observe?.();
      } catch (error) {
        lane.lastError = fail(error, lane.processor.name);
      }
    }
  }

  async function loop(): Promise<void> {
    while (!stopped) {
      try {
        if (!lock?.held) {
          await lead();
          if (!lock) {
            await observe();
            await stopSignal.sleep(retryMs * 2);
            continue;
          }
        }
        wake.signalled = false;
        const now = Date.now();
        if (now >= nextSafetyPoll) {
          // A notification may have been lost: everyone reads afresh.
          nextSafetyPoll = now + safetyPollMs;
          pages.clear();
          for (const lane of lanes) {
            lane.caughtUpAt = null;
            if (lane.position === null && !lane.busy) lane.loaded = false;
          }
        }
        await schedule(now);
        lastError = null;
        if (!stopped) await wake.sleep(sleepMs(Date.now()));
      } catch (error) {
        lastError = fail(error, null);
        pages.clear();
        if (!stopped) await stopSignal.sleep(retryMs);
      }
    }
  }

  let running: Promise<void> | null = null;
  let stopping: Promise<void> | null = null;
  const consumer: LedgerConsumer<P> = {
    name,
    add(processor) {
      lanes.push({ processor, position: null, loaded: false, busy: false, retryAt: 0, caughtUpAt: null, lastError: null, failures: 0 });
      wake.wake();
    },
    start() {
      if (!running && !stopping) {
        unsubscribe = ledger.onAppend((position) => {
          head = Math.max(head, position);
          announced++;
          wake.wake();
        });
        running = loop();
      }
      return consumer;
    },
    refresh(processor) {
      for (const lane of lanes) if (!processor || lane.processor === processor) lane.loaded = false;
      wake.wake();
    },
    status() {
      const positions = lanes.map((lane) => lane.position ?? 0);
      return {
        name,
        leader: Boolean(lock?.held),
        head: Math.max(head, ...positions),
        lastError,
        processors: lanes.map((lane) => ({ name: lane.processor.name, position: lane.position, busy: lane.busy, lastError: lane.lastError })),
      };
    },
    stop() {
      stopping ??= (async () => {
        stopped = true;
        unsubscribe?.();
        wake.wake();
        stopSignal.wake();
        await running;
        if (lock) await pauseProcessors();
        await settle();
        await lock?.release();
        lock = null;
      })();
      return stopping;
    },
  };
  return consumer;
}
