import { CursorCheckpoint } from '../ledger/consumer/cursorCheckpoint.ts';
import { eventsAfter } from '../ledger/consumer/eventsAfter.ts';
import type { LedgerConsumer } from '../ledger/consumer/ledgerConsumer.ts';
import type { Processor } from '../ledger/consumer/processor.ts';
import type { Ledger } from '../ledger/ledger.ts';
import { eraseMany, type Erasure, type ErasureRequest } from './eraseIdentities.ts';
import { erasureCalledFor, type ErasurePolicy } from './erasurePolicy.ts';

export type ErasureReactorOptions = {
  consumer: LedgerConsumer;
  ledger: Ledger;
  /** The account's policy (its `erasure` configuration); undefined for an appid no longer configured: then nothing is erased. */
  policyOf(appid: string): ErasurePolicy | undefined;
  registerRetentionDays: number;
  onErased?: (erasure: Erasure) => void;
};

/** Its checkpoint's row in `outbox_cursors`. */
export const ERASURE_REACTOR = 'erasure-reactor';

/**
 * Erases the people whose withdrawal WeChat pushed — an unsubscribe, a revoke, a cancellation —
 * when their account's policy says so: a reactor on the ledger. The push is answered `success`
 * once its fact is committed (WeChat gives up after 5 s; an erasure holds the ledger's lock), and
 * this follows within moments: every withdrawal of a page in one erasure transaction. Its
 * checkpoint moves only past committed erasures, so a crash re-runs at most the last page — an
 * erasure is idempotent, and a withdrawal whose person has started again since (a later subscribe
 * or login: they came back) erases nothing. A missing checkpoint starts at position 0: a ledger
 * whose policy was never applied has its withdrawals erased.
 */
export function createErasureReactor(options: ErasureReactorOptions): { processor: Processor; idle(): Promise<void> } {
  const { consumer, ledger } = options;
  const db = ledger.storage.db;
  let position: number | null = null;
  let storedAt = 0;
  let waiters: { until: number; resolve(): void }[] = [];
  const notify = () => {
    waiters = waiters.filter((waiter) => (position !== null && position >= waiter.until ? (waiter.resolve(), false) : true));
  };

  const processor: Processor = {
    name: ERASURE_REACTOR,
    async checkpoint() {
      position = await CursorCheckpoint.load(db, ERASURE_REACTOR, 0);
      notify();
      return position;
    },
    async handle({ page, after }) {
      const events = eventsAfter(page.events, after);
      const last = events[events.length - 1]?.position ?? after;
      const requests: ErasureRequest[] = [];
      for (const event of events) {
        // Withdrawals WeChat pushed; reconciliation's corrections and API facts are not a person's request.
        if (event.meta.source !== 'webhook') continue;
        const policy = options.policyOf((event.data as { appid?: string }).appid ?? '');
        const called = policy ? erasureCalledFor(policy, event) : null;
        if (!called) continue;
        requests.push({ target: { appid: called.appid, openid: called.openid }, reason: called.reason, erasedAt: new Date(event.occurredAt), withdrawnAt: event.position });
      }
      if (requests.length > 0) {
        const erased = await eraseMany(ledger, requests, { registerRetentionDays: options.registerRetentionDays });
        for (const erasure of erased) if (erasure) options.onErased?.(erasure);
      }
      // Stored after every erasure, and otherwise at most once a second: re-reading a few
      // pages without withdrawals after a crash costs nothing, a write per page would.
      if (requests.length > 0 || Date.now() - storedAt >= 1000) {
        await CursorCheckpoint.store(db, ERASURE_REACTOR, last);
        storedAt = Date.now();
      }
      position = last;
      notify();
      return last;
    },
  };
  consumer.add(processor);
  return {
    processor,
    /** Resolves once every withdrawal committed before the call has been handled (tests). */
    async idle() {
      const head = await ledger.head();
      if (position !== null && position >= head) return;
      await new Promise<void>((resolve) => waiters.push({ until: head, resolve }));
    },
  };
}
