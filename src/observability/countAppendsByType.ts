import type { Counter } from 'prom-client';
import type { Ledger } from '../ledger/ledger.ts';

/**
 * Counts appended events by type from what `append` answers, since the ledger's commit hook
 * knows only how many. An answer may hold events that were there before (idempotency keys seen
 * again, e.g. the `unionid.resolved` of a repeated login): an event is new when its position is
 * above the highest head this process knew when it asked (its own commits, and other processes'
 * through the ledger's notifications). Only a repeat racing its original from another process
 * within a commit or two can be counted twice.
 */
export async function countAppendsByType(ledger: Ledger, counter: Counter<'type'>): Promise<void> {
  let knownHead = await ledger.head();
  ledger.onAppend((head) => {
    if (head > knownHead) knownHead = head;
  });
  const append = ledger.append;
  ledger.append = (events, options) => {
    const before = knownHead;
    return append(events, options).then((result) => {
      if (!result.duplicate) {
        for (const event of result.events) if (event.position > before) counter.inc({ type: event.type });
      }
      return result;
    });
  };
}
