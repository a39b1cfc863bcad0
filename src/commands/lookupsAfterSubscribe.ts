import type { LedgerEvent } from '../ledger/events.ts';
import type { UnionidLookup } from './unionidLookupQueue.ts';

export type PositionedLookup = UnionidLookup & { position: number };

/**
 * The unionid lookups that ledger events call for — a pure decision: one after each subscribe
 * pushed to an Official Account (WeChat's `user/info` is an Official Account API), caused by the
 * subscribe event. Followers a reconciliation adds are looked up by the reconciliation itself;
 * an erased follower is not looked up.
 */
export function lookupsAfterSubscribe(
  events: readonly LedgerEvent[],
  kindOf: (appid: string) => 'oa' | 'mp' | 'web' | undefined,
): PositionedLookup[] {
  const lookups: PositionedLookup[] = [];
  for (const event of events) {
    // An erased follower's subscribe reads redacted: there is no one to look up any more.
    if (event.type !== 'follow.subscribed' || event.meta.source !== 'webhook' || event.erased) continue;
    const { appid, openid } = event.data as { appid: string; openid: string };
    if (kindOf(appid) !== 'oa') continue;
    lookups.push({ appid, openid, causationId: event.id, position: event.position });
  }
  return lookups;
}
