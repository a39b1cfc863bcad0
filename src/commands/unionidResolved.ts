import type { EventSource, NewEvent, UnionidVia } from '../ledger/events.ts';
import { IdempotencyKey } from '../ledger/idempotencyKey.ts';

/**
 * The `unionid.resolved` event for a fact learned through `via`. Its key names the fact itself,
 * so learning the same unionid again (every login, every reconciliation) appends nothing.
 */
export function unionidResolved(
  source: EventSource,
  fact: { appid: string; openid: string; unionid: string; via: UnionidVia },
  extra: { correlationId?: string; causationId?: string } = {},
): NewEvent {
  return {
    type: 'unionid.resolved',
    data: fact,
    meta: { source, idempotencyKey: IdempotencyKey.unionidResolved(fact), ...extra },
  };
}
