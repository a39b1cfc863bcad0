import type { Ledger } from '../ledger/ledger.ts';
import type { LedgerEvent } from '../ledger/events.ts';
import type { CallbackNonces } from '../wechat/callbackNonces.ts';
import { checkCreateTime } from '../wechat/checkCreateTime.ts';
import { openPush, type DecodePushInput } from '../wechat/decodePush.ts';
import type { Push } from '../wechat/pushes.ts';
import { pushToEvents } from './pushToEvents.ts';

export type IngestPushInput = DecodePushInput;
export type IngestPushResult = { push: Push; events: LedgerEvent[]; duplicate: boolean };

/**
 * A WeChat push, verified, decrypted and parsed, bounded in time (timestamp window, CreateTime)
 * and in use (a signed URL carries one document), appended durably. Resolves only after commit,
 * so the caller may answer `success`; throws (and appends nothing) for anything untrusted. The
 * nonce check is the push's one extra statement, before the append it guards. A withdrawal's
 * erasure (the account's policy) follows from the ledger (src/erasure/erasureReactor.ts).
 */
export async function ingestPush(deps: { ledger: Ledger; nonces: CallbackNonces }, input: IngestPushInput): Promise<IngestPushResult> {
  const now = input.now ?? Date.now();
  const { push, content } = openPush({ ...input, now });
  const timestamp = input.query.timestamp!;
  checkCreateTime(push, timestamp, now);
  await deps.nonces.claim({ appid: input.account.appid, timestamp, nonce: input.query.nonce!, signature: input.query.signature!, content }, now);
  const events = pushToEvents(input.account.appid, push);
  if (events.length === 0) return { push, events: [], duplicate: false };
  const result = await deps.ledger.append(events);
  return { push, events: result.events, duplicate: result.duplicate };
}
