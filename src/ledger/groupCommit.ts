import type { Db } from './database.ts';
import { appendBatch, type AppendRequest, type AppendResult } from './appendBatch.ts';
import { LedgerUnavailableError } from './ledgerErrors.ts';

type Pending = { request: AppendRequest; resolve(result: AppendResult): void; reject(error: Error): void };

export type GroupCommitOptions = {
  /** Upper bound of events in one transaction. */
  maxBatchEvents?: number;
  /** Called after each committed batch with the new head position. */
  onCommit?: (head: number, appended: number) => void;
};

/**
 * Group commit: callers that arrive while a transaction is in flight wait for the next one,
 * which takes all of them. One caller alone pays one round trip; many callers share one fsync,
 * so throughput grows with concurrency. Each caller resolves only after its batch committed.
 */
export function createGroupCommit(db: Db, options: GroupCommitOptions = {}) {
  const maxBatchEvents = options.maxBatchEvents ?? 2000;
  const queue: Pending[] = [];
  let running = false;
  let idle: Promise<void> = Promise.resolve();
  let markIdle = () => {};

  async function drain(): Promise<void> {
    running = true;
    idle = new Promise((resolve) => (markIdle = resolve));
    try {
      while (queue.length > 0) {
        const batch: Pending[] = [];
        let size = 0;
        while (queue.length > 0 && (batch.length === 0 || size + queue[0]!.request.events.length <= maxBatchEvents)) {
          const next = queue.shift()!;
          size += next.request.events.length;
          batch.push(next);
        }
        await commit(batch);
      }
    } finally {
      running = false;
      markIdle();
    }
  }

  async function commit(batch: Pending[]): Promise<void> {
    let outcome: Awaited<ReturnType<typeof appendBatch>>;
    try {
      outcome = await db.transaction().execute((trx) => appendBatch(trx, batch.map((p) => p.request)));
    } catch (error) {
      const failure = new LedgerUnavailableError(`ledger append failed: ${(error as Error).message}`, { cause: error });
      for (const pending of batch) pending.reject(failure);
      return;
    }
    const appended = outcome.outcomes.reduce((n, o) => n + (o.ok && !o.result.duplicate ? o.result.events.length : 0), 0);
    if (appended > 0) options.onCommit?.(outcome.head, appended);
    outcome.outcomes.forEach((result, index) => {
      const pending = batch[index]!;
      if (result.ok) pending.resolve(result.result);
      else pending.reject(result.error);
    });
  }

  return {
    submit(request: AppendRequest): Promise<AppendResult> {
      return new Promise((resolve, reject) => {
        queue.push({ request, resolve, reject });
        if (!running) void drain();
      });
    },
    /** Resolves when no batch is in flight (for shutdown). */
    async flushed(): Promise<void> {
      await idle;
    },
  };
}
