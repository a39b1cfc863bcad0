import { CursorCheckpoint } from '../ledger/consumer/cursorCheckpoint.ts';
import { eventsAfter } from '../ledger/consumer/eventsAfter.ts';
import type { LedgerConsumer } from '../ledger/consumer/ledgerConsumer.ts';
import type { Processor } from '../ledger/consumer/processor.ts';
import type { Ledger } from '../ledger/ledger.ts';
import { eraseMany, purgeErasureRegister, type Erasure, type ErasureRequest } from './eraseIdentities.ts';
import { erasureCalledFor, type ErasurePolicy } from './erasurePolicy.ts';
import { WechatApiError } from '../wechat/api/errcodes.ts';

export type ErasureReactorOptions = {
  consumer: LedgerConsumer;
  ledger: Ledger;
  /** The account's policy (its `erasure` configuration); undefined for an appid no longer configured: then nothing is erased. */
  policyOf(appid: string): ErasurePolicy | undefined;
  registerRetentionDays: number;
  /**
   * For an unsubscribe pushed to an account in plain mode, where the push's body is not signed:
   * does WeChat confirm the person no longer follows (`user/info` says subscribe 0)? An erasure
   * cannot be undone, so one forged with a captured callback URL must not happen. Undefined: no
   * confirmation needed (safe or compatible mode: the body is signed and encrypted). WeChat's
   * refusal to answer for this openid (40003 invalid openid, or another errcode about the
   * request) is a "no": a forged push names whatever openid it likes, and an unanswerable one
   * must not stop the erasures behind it. A failure that can pass (network, busy, rate or quota
   * limits, our credentials) stops the reactor at that event: the withdrawals before it are
   * erased, and it is tried again after a pause that doubles up to `maxRetryMs`.
   */
  confirmUnsubscribe?: (appid: string, openid: string) => Promise<boolean> | undefined;
  onErased?: (erasure: Erasure) => void;
  /** `why`: `still_following`, or the kind of WeChat's refusal (`invalid_openid`, `rejected`). */
  onUnconfirmed?: (appid: string, why: string) => void;
  /** The longest pause between tries while WeChat cannot be asked (default 60 s). */
  maxRetryMs?: number;
};

/** WeChat's answers about the request itself: asking again gets the same answer. */
const PERMANENT_REFUSALS: ReadonlySet<string> = new Set(['invalid_openid', 'rejected']);

/** Its checkpoint's row in `outbox_cursors`. */
export const ERASURE_REACTOR = 'erasure-reactor';

/**
 * Erases the people whose withdrawal WeChat pushed — an unsubscribe, a revoke, a cancellation —
 * or whose unfollow a reconciliation found, when their account's policy says so: a reactor on
 * the ledger. The push is answered `success`
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
  let purgedAt = 0;
  let waiters: { until: number; resolve(): void }[] = [];
  const notify = () => {
    waiters = waiters.filter((waiter) => (position !== null && position >= waiter.until ? (waiter.resolve(), false) : true));
  };

  /** WeChat's word on an unsubscribe: confirmed, a "no" (why), or a failure to retry after. */
  async function confirmation(appid: string, openid: string): Promise<'confirmed' | string | { retry: unknown }> {
    const asked = options.confirmUnsubscribe?.(appid, openid);
    if (asked === undefined) return 'confirmed';
    try {
      return (await asked) ? 'confirmed' : 'still_following';
    } catch (error) {
      if (error instanceof WechatApiError && PERMANENT_REFUSALS.has(error.kind)) return error.kind;
      return { retry: error };
    }
  }

  const processor: Processor = {
    name: ERASURE_REACTOR,
    maxRetryMs: options.maxRetryMs ?? 60_000,
    async checkpoint() {
      position = await CursorCheckpoint.load(db, ERASURE_REACTOR, 0);
      notify();
      return position;
    },
    async handle({ page, after }) {
      const events = eventsAfter(page.events, after);
      let last = events[events.length - 1]?.position ?? after;
      const requests: ErasureRequest[] = [];
      let stoppedBy: unknown = null;
      for (const event of events) {
        // Withdrawals WeChat pushed, and unfollows a reconciliation found (the push was lost: the
        // deletion duty is the same). Facts an app reported are not WeChat's word.
        if (event.meta.source !== 'webhook' && event.meta.source !== 'reconciliation') continue;
        const policy = options.policyOf((event.data as { appid?: string }).appid ?? '');
        const called = policy ? erasureCalledFor(policy, event) : null;
        if (!called) continue;
        // A push may be dated a little ahead of our clock (CreateTime's allowed skew): the erasure
        // happens now at the latest, or a login in the meantime would count as before it.
        const erasedAt = new Date(Math.min(Date.parse(event.occurredAt), Date.now()));
        if (event.type === 'follow.unsubscribed' && event.meta.source === 'webhook') {
          const verdict = await confirmation(called.appid, called.openid);
          if (typeof verdict === 'object') {
            // Everything before this event is done; this one waits for WeChat to answer.
            stoppedBy = verdict.retry;
            last = event.position - 1;
            break;
          }
          if (verdict !== 'confirmed') {
            options.onUnconfirmed?.(called.appid, verdict);
            continue;
          }
        }
        requests.push({ target: { appid: called.appid, openid: called.openid }, reason: called.reason, erasedAt, withdrawnAt: event.position });
      }
      if (requests.length > 0) {
        const erased = await eraseMany(ledger, requests, { registerRetentionDays: options.registerRetentionDays });
        for (const erasure of erased) if (erasure) options.onErased?.(erasure);
      }
      // Stored after every erasure and before a retry, and otherwise at most once a second:
      // re-reading a few pages without withdrawals after a crash costs nothing, a write per page would.
      if (requests.length > 0 || stoppedBy !== null || Date.now() - storedAt >= 1000) {
        await CursorCheckpoint.store(db, ERASURE_REACTOR, last);
        storedAt = Date.now();
      }
      position = last;
      notify();
      if (stoppedBy !== null) throw stoppedBy;
      // The register's retention holds without erasures too.
      if (Date.now() - purgedAt >= 3_600_000) {
        await purgeErasureRegister(db, options.registerRetentionDays);
        purgedAt = Date.now();
      }
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
