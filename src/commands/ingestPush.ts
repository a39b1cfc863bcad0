import type { Ledger } from '../ledger/ledger.ts';
import type { LedgerEvent } from '../ledger/events.ts';
import type { CallbackNonces } from '../wechat/callbackNonces.ts';
import { checkCreateTime } from '../wechat/checkCreateTime.ts';
import { openPush, type DecodePushInput } from '../wechat/decodePush.ts';
import type { Push } from '../wechat/pushes.ts';
import { eraseIdentities, type Erasure } from '../erasure/eraseIdentities.ts';
import { DEFAULT_ERASURE_POLICY, erasureCalledFor, type ErasurePolicy } from '../erasure/erasurePolicy.ts';
import { pushToEvents } from './pushToEvents.ts';

export type IngestPushInput = DecodePushInput & {
  /** The account's policy for withdrawal pushes (unsubscribe, revoke, cancellation). */
  erasure?: { policy: ErasurePolicy; registerRetentionDays: number };
};
export type IngestPushResult = { push: Push; events: LedgerEvent[]; duplicate: boolean; erasure: Erasure | null };

/**
 * A WeChat push, verified, decrypted and parsed, bounded in time (timestamp window, CreateTime)
 * and in use (a signed URL carries one document), appended durably — and, when the account's
 * policy says so, the person it withdraws erased. Resolves only after both committed, so the
 * caller may answer `success`; throws (and appends nothing) for anything untrusted. The nonce
 * check is the push's one extra statement, before the append it guards. A WeChat retry of a
 * withdrawal whose erasure failed finds the fact already recorded (a duplicate) and erases then;
 * one whose erasure succeeded finds nothing left to erase.
 */
export async function ingestPush(deps: { ledger: Ledger; nonces: CallbackNonces }, input: IngestPushInput): Promise<IngestPushResult> {
  const now = input.now ?? Date.now();
  const { push, content } = openPush({ ...input, now });
  const timestamp = input.query.timestamp!;
  checkCreateTime(push, timestamp, now);
  await deps.nonces.claim({ appid: input.account.appid, timestamp, nonce: input.query.nonce!, signature: input.query.signature!, content }, now);
  const events = pushToEvents(input.account.appid, push);
  if (events.length === 0) return { push, events: [], duplicate: false, erasure: null };
  const result = await deps.ledger.append(events);
  let erasure: Erasure | null = null;
  const policy = input.erasure?.policy ?? DEFAULT_ERASURE_POLICY;
  for (const event of result.events) {
    const called = erasureCalledFor(policy, event);
    if (!called) continue;
    erasure = await eraseIdentities(deps.ledger, { appid: called.appid, openid: called.openid }, {
      reason: called.reason,
      erasedAt: new Date(event.occurredAt),
      ...(input.erasure ? { registerRetentionDays: input.erasure.registerRetentionDays } : {}),
    });
  }
  return { push, events: result.events, duplicate: result.duplicate, erasure };
}
