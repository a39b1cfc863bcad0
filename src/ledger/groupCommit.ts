import type { Db } from './database.ts';
import { appendBatch, prepareRequest, type AppendRequest, type AppendResult, type BatchPlan, type PreparedRequest } from './appendBatch.ts';
import { InvalidEventError, LedgerUnavailableError } from './ledgerErrors.ts';
import { isConnectionError } from './isConnectionError.ts';

/** `alone`: retried in a transaction of its own after its batch failed (see `commit`). */
type Pending = { request: PreparedRequest; resolve(result: AppendResult): void; reject(error: Error): void; alone?: boolean };
type InFlight = { planned: Promise<BatchPlan | null>; hasPlan: boolean };

export type GroupCommitOptions = {
  /** Upper bound of events in one transaction. */
  maxBatchEvents?: number;
  /**
   * Let the next batch read and plan while the one ahead commits (two transactions in flight).
   * It trades CPU (a read before the lock, a plan thrown away when another process moved the
   * head) for overlap of JavaScript and database work. The service turns it on for PostgreSQL,
   * where webhook traffic gained 14–17 % (bench/README.md); off by default here, where a closed
   * loop of callers forms the same batches either way.
   */
  pipeline?: boolean;
  /** Called after each committed batch with the new head position. */
  onCommit?: (head: number, appended: number) => void;
};

// Captured at load: a test that fakes timers must not stall the ledger.
const nextTurn = setImmediate;

/**
 * Group commit: callers that arrive while a transaction is in flight wait for the next one,
 * which takes all of them. One caller alone pays one round trip; many callers share one fsync,
 * so throughput grows with concurrency. Each caller resolves only after its batch committed.
 *
 * With `pipeline`, two batches are in flight at most: the next one starts once the one ahead has
 * planned (positions, hashes), reads and plans while that one inserts and commits, and waits
 * for the lock only to write (see appendBatch). Callers that keep arriving (webhooks) then find
 * the JavaScript of one batch running while the database works on the other. Callers that all
 * wait on the same commit (a closed loop) form one batch at a time, exactly as without it.
 */
export function createGroupCommit(db: Db, options: GroupCommitOptions = {}) {
  const maxBatchEvents = options.maxBatchEvents ?? 2000;
  const depth = options.pipeline ? 2 : 1;
  const queue: Pending[] = [];
  const inFlight: InFlight[] = [];
  let scheduled = false;
  const idleWaiters: (() => void)[] = [];
  const isIdle = () => queue.length === 0 && inFlight.length === 0 && !scheduled;

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    // The next turn of the event loop: every caller woken by the last commit has submitted.
    nextTurn(() => {
      scheduled = false;
      pump();
      if (isIdle()) for (const wake of idleWaiters.splice(0)) wake();
    });
  }

  function pump(): void {
    while (queue.length > 0 && inFlight.length < depth && (inFlight.length === 0 || inFlight[inFlight.length - 1]!.hasPlan)) {
      let take = 1;
      let size = queue[0]!.request.events.length;
      if (!queue[0]!.alone) {
        while (take < queue.length && !queue[take]!.alone && size + queue[take]!.request.events.length <= maxBatchEvents) size += queue[take++]!.request.events.length;
      }
      start(queue.splice(0, take));
    }
  }

  function start(batch: Pending[]): void {
    const previous = inFlight[inFlight.length - 1];
    let announce: (plan: BatchPlan | null) => void = () => {};
    const self: InFlight = { planned: new Promise((resolve) => (announce = resolve)), hasPlan: false };
    const onPlanned = (plan: BatchPlan) => {
      if (self.hasPlan) return;
      self.hasPlan = true;
      announce(plan);
      pump();
    };
    inFlight.push(self);
    void commit(batch, previous?.planned, onPlanned).finally(() => {
      // A batch that failed before planning must not hold up the one behind it.
      announce(null);
      self.hasPlan = true;
      inFlight.splice(inFlight.indexOf(self), 1);
      pump();
      if (isIdle()) for (const wake of idleWaiters.splice(0)) wake();
    });
  }

  async function commit(batch: Pending[], previous: Promise<BatchPlan | null> | undefined, onPlanned: (plan: BatchPlan) => void): Promise<void> {
    let plan: BatchPlan;
    try {
      plan = await db.transaction().execute((trx) =>
        appendBatch(
          trx,
          batch.map((p) => p.request),
          { onPlanned, ...(previous ? { previous } : {}) },
        ),
      );
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
    if (plan.rows.length > 0) options.onCommit?.(plan.head, plan.rows.length);
    plan.outcomes.forEach((result, index) => {
      const pending = batch[index]!;
      if (result.ok) pending.resolve(result.result);
      else pending.reject(result.error);
    });
  }

  return {
    submit(request: AppendRequest): Promise<AppendResult> {
      return new Promise((resolve, reject) => {
        // Prepared here, while a batch in flight waits on the database, not under its lock.
        queue.push({ request: prepareRequest(request), resolve, reject });
        schedule();
      });
    },
    /** Resolves when no batch is in flight (for shutdown). */
    flushed(): Promise<void> {
      return isIdle() ? Promise.resolve() : new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
}

