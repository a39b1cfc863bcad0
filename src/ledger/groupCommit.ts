import type { Db } from './database.ts';
import { appendBatch, type AppendRequest, type AppendResult, type PreparedRequest } from './appendBatch.ts';
import type { NewEvent } from './events.ts';
import { InvalidEventError, LedgerUnavailableError } from './ledgerErrors.ts';
import { isConnectionError } from './isConnectionError.ts';
import { prepareEvent, type PrepareContext } from './prepareEvent.ts';

/**
 * `alone`: retried in a transaction of its own after its batch failed (see `commit`).
 * `refreshes`: how often its subject keys were re-read after a `stale_key` answer.
 */
type Pending = {
  request: AppendRequest;
  prepared: PreparedRequest;
  resolve(result: AppendResult): void;
  reject(error: Error): void;
  alone?: boolean;
  refreshes: number;
};

export type GroupCommitOptions = {
  /** Upper bound of events in one transaction. */
  maxBatchEvents?: number;
  /**
   * Two batches in flight instead of one: the next one is sent while the one ahead commits, and
   * waits in PostgreSQL for the ledger lock only. It overlaps one batch's network and JavaScript
   * work with the other's commit. The service turns it on for PostgreSQL; PGlite has one
   * connection, so there is nothing to overlap.
   */
  pipeline?: boolean;
  /** Called after each committed batch with the new head position. */
  onCommit?: (head: number, appended: number) => void;
};

// Captured at load: a test that fakes timers must not stall the ledger.
const nextTurn = setImmediate;

/** A cached key that another process or an erasure replaced is re-read this often before the append gives up. */
const MAX_KEY_REFRESHES = 3;

/**
 * Group commit: callers that arrive while a batch is in flight wait for the next one, which
 * takes all of them in one `ledger_append` call. One caller alone pays one round trip; many
 * callers share one fsync, so throughput grows with concurrency. Each caller resolves only after
 * its batch committed.
 */
export function createGroupCommit(db: Db, ctx: PrepareContext, options: GroupCommitOptions = {}) {
  const maxBatchEvents = options.maxBatchEvents ?? 2000;
  const depth = options.pipeline ? 2 : 1;
  const queue: Pending[] = [];
  let inFlight = 0;
  let refreshing = 0;
  let scheduled = false;
  const idleWaiters: (() => void)[] = [];
  const isIdle = () => queue.length === 0 && inFlight === 0 && refreshing === 0 && !scheduled;
  const wakeIdle = () => {
    if (isIdle()) for (const wake of idleWaiters.splice(0)) wake();
  };

  const prepare = (request: AppendRequest): PreparedRequest => {
    const recordedAt = new Date().toISOString();
    return {
      events: request.events.map((event: NewEvent) => prepareEvent(event, ctx, recordedAt)),
      expectedVersion: request.expectedVersion,
      logicalKeys: request.events.map((event) => event.meta.idempotencyKey),
    };
  };

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    // The next turn of the event loop: every caller woken by the last commit has submitted.
    nextTurn(() => {
      scheduled = false;
      pump();
      wakeIdle();
    });
  }

  function pump(): void {
    while (queue.length > 0 && inFlight < depth) {
      let take = 1;
      let size = queue[0]!.prepared.events.length;
      if (!queue[0]!.alone) {
        while (take < queue.length && !queue[take]!.alone && size + queue[take]!.prepared.events.length <= maxBatchEvents) size += queue[take++]!.prepared.events.length;
      }
      const batch = queue.splice(0, take);
      inFlight++;
      void commit(batch).finally(() => {
        inFlight--;
        pump();
        wakeIdle();
      });
    }
  }

  async function commit(batch: Pending[]): Promise<void> {
    let result;
    try {
      result = await appendBatch(db, batch.map((p) => p.prepared), ctx.subjectKeys);
    } catch (error) {
      if (batch.length > 1 && !isConnectionError(error)) {
        // The database refused something in this batch, not the batch: retry each caller in a
        // transaction of its own, so one bad request fails alone instead of everyone with it.
        queue.unshift(...batch.map((pending) => ({ ...pending, alone: true })));
        schedule();
        return;
      }
      const failure = isConnectionError(error)
        ? new LedgerUnavailableError(`ledger append failed: ${(error as Error).message}`, { cause: error })
        : new InvalidEventError(`the database refused this event: ${(error as Error).message}`, { cause: error });
      for (const pending of batch) pending.reject(failure);
      return;
    }
    if (result.appended > 0) options.onCommit?.(result.head, result.appended);
    const stale: Pending[] = [];
    result.outcomes.forEach((outcome, index) => {
      const pending = batch[index]!;
      if (outcome.ok) pending.resolve(outcome.result);
      else if ('error' in outcome) pending.reject(outcome.error);
      else if (pending.refreshes >= MAX_KEY_REFRESHES) pending.reject(new LedgerUnavailableError('the subject key kept changing under this append; retry later'));
      else stale.push(pending);
    });
    if (stale.length > 0) void retryWithFreshKeys(stale);
  }

  /** Re-reads the live keys the ledger said were not the cached ones, re-seals, and queues again. */
  async function retryWithFreshKeys(stale: Pending[]): Promise<void> {
    refreshing++;
    try {
      const subjects = [...new Set(stale.flatMap((p) => p.prepared.events.map((e) => e.subject).filter((s): s is string => s !== null)))];
      await ctx.subjectKeys.refresh(db, subjects);
      for (const pending of stale) {
        try {
          queue.push({ ...pending, prepared: prepare(pending.request), refreshes: pending.refreshes + 1 });
        } catch (error) {
          pending.reject(error as Error);
        }
      }
    } catch (error) {
      const failure = isConnectionError(error) ? new LedgerUnavailableError(`ledger append failed: ${(error as Error).message}`, { cause: error }) : (error as Error);
      for (const pending of stale) pending.reject(failure);
    } finally {
      refreshing--;
      schedule();
    }
  }

  return {
    submit(request: AppendRequest): Promise<AppendResult> {
      return new Promise((resolve, reject) => {
        // Prepared here (sealing, digests), while a batch in flight waits on the database.
        const prepared = prepare(request);
        if (request.expectedVersion !== undefined && new Set(prepared.events.map((e) => e.stream)).size > 1) {
          throw new InvalidEventError('expectedVersion needs all events in one stream');
        }
        queue.push({ request, prepared, resolve, reject, refreshes: 0 });
        schedule();
      });
    },
    /** Resolves when no batch is in flight (for shutdown). */
    flushed(): Promise<void> {
      return isIdle() ? Promise.resolve() : new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
}
