import type { Ledger } from '../ledger/ledger.ts';
import type { LedgerEvent } from '../ledger/events.ts';
import { decodePush, type DecodePushInput } from '../wechat/decodePush.ts';
import type { Push } from '../wechat/pushes.ts';
import { eraseIdentities, type Erasure } from '../erasure/eraseIdentities.ts';
import { DEFAULT_ERASURE_POLICY, erasureCalledFor, type ErasurePolicy } from '../erasure/erasurePolicy.ts';
import { pushToEvents } from './pushToEvents.ts';

export type IngestPushInput = Omit<DecodePushInput, 'now'> & {
  /** The account's policy for withdrawal pushes (unsubscribe, revoke, cancellation). */
  erasure?: { policy: ErasurePolicy; registerRetentionDays: number };
};
export type IngestPushResult = { push: Push; events: LedgerEvent[]; duplicate: boolean; erasure: Erasure | null };

/**
 * A WeChat push, verified, decrypted and parsed, appended durably — and, when the account's
 * policy says so, the person it withdraws erased. Resolves only after both committed, so the
 * caller may answer `success`; throws (and appends nothing) for anything untrusted. A WeChat
 * retry of a withdrawal whose erasure failed finds the fact already recorded (a duplicate) and
 * erases then; one whose erasure succeeded finds nothing left to erase.
 */
export async function ingestPush(ledger: Ledger, input: IngestPushInput): Promise<IngestPushResult> {
  const push = decodePush(input);
  const events = pushToEvents(input.account.appid, push);
  if (events.length === 0) return { push, events: [], duplicate: false, erasure: null };
  const result = await ledger.append(events);
  let erasure: Erasure | null = null;
  const policy = input.erasure?.policy ?? DEFAULT_ERASURE_POLICY;
  for (const event of result.events) {
    const called = erasureCalledFor(policy, event);
    if (!called) continue;
    erasure = await eraseIdentities(ledger, { appid: called.appid, openid: called.openid }, {
      reason: called.reason,
      erasedAt: new Date(event.occurredAt),
      ...(input.erasure ? { registerRetentionDays: input.erasure.registerRetentionDays } : {}),
    });
  }
  return { push, events: result.events, duplicate: result.duplicate, erasure };
}
