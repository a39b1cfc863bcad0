import type { Ledger } from '../ledger/ledger.ts';
import type { LedgerEvent } from '../ledger/events.ts';
import type { CallbackNonces } from '../wechat/callbackNonces.ts';
import { checkCreateTime } from '../wechat/checkCreateTime.ts';
import { checkRecipient } from '../wechat/checkRecipient.ts';
import { openVerifiedPush, type DecodePushInput } from '../wechat/decodePush.ts';
import { verifyCallbackUrl } from '../wechat/verifyUrl.ts';
import type { Push } from '../wechat/pushes.ts';
import { pushToEvents } from './pushToEvents.ts';

export type IngestPushInput = DecodePushInput & { account: DecodePushInput['account'] & { originalId?: string | undefined } };
export type IngestPushResult = { push: Push; events: LedgerEvent[]; duplicate: boolean };

/**
 * A WeChat push, verified, decrypted and parsed, bounded in time (timestamp window, CreateTime)
 * and in use (a signed URL carries one document), appended durably. Resolves only after commit,
 * so the caller may answer `success`; throws (and appends nothing) for anything untrusted. The
 * nonce check is the push's one extra statement (shared with the pushes of the same turn of the
 * event loop, src/wechat/callbackNonces.ts): after the URL's signature, before the body is
 * parsed (the body's exact bytes are what a reused URL must carry again). A withdrawal's
 * erasure (the account's policy) follows from the ledger (src/erasure/erasureReactor.ts).
 */
export async function ingestPush(deps: { ledger: Ledger; nonces: CallbackNonces }, input: IngestPushInput): Promise<IngestPushResult> {
  const now = input.now ?? Date.now();
  verifyCallbackUrl({ token: input.account.token, query: input.query, timestampToleranceSeconds: input.timestampToleranceSeconds, now });
  const timestamp = input.query.timestamp!;
  // The signed URL is spent before the body is parsed or acted on: a body that fails parsing or
  // a later check still uses it up, so a captured URL cannot be tried again with other bodies.
  await deps.nonces.claim({ appid: input.account.appid, timestamp, nonce: input.query.nonce!, signature: input.query.signature!, content: `POST\u0000${input.body}` }, now);
  const { push } = openVerifiedPush({ ...input, now });
  checkCreateTime(push, timestamp, now);
  checkRecipient(push, input.account);
  const events = pushToEvents(input.account.appid, push);
  if (events.length === 0) return { push, events: [], duplicate: false };
  const result = await deps.ledger.append(events);
  return { push, events: result.events, duplicate: result.duplicate };
}
