import type { Ledger } from '../ledger/ledger.ts';
import type { LedgerEvent } from '../ledger/events.ts';
import { decodePush, type DecodePushInput } from '../wechat/decodePush.ts';
import type { Push } from '../wechat/pushes.ts';
import { pushToEvents } from './pushToEvents.ts';

export type IngestPushInput = Omit<DecodePushInput, 'now'>;
export type IngestPushResult = { push: Push; events: LedgerEvent[]; duplicate: boolean };

/**
 * A WeChat push, verified, decrypted and parsed, appended durably. Resolves only after commit,
 * so the caller may answer `success`; throws (and appends nothing) for anything untrusted.
 */
export async function ingestPush(ledger: Ledger, input: IngestPushInput): Promise<IngestPushResult> {
  const push = decodePush(input);
  const events = pushToEvents(input.account.appid, push);
  if (events.length === 0) return { push, events: [], duplicate: false };
  const result = await ledger.append(events);
  return { push, events: result.events, duplicate: result.duplicate };
}
