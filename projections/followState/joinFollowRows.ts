import { compareEventTime, laterInstant } from '../eventTime.ts';
import type { FollowRow } from './followRow.ts';

/**
 * Merges two states of the same user, each part taking the later fact by (event time, position):
 * the decision, the latest subscribe (with its scene) and the latest unsubscribe. Being a
 * per-field maximum, the merge is commutative, associative and idempotent, which is what makes
 * the fold independent of the order follow events arrive in and immune to replays.
 * Returns `a` itself when `b` adds nothing, so callers detect "no change" by identity.
 */
export function joinFollowRows(a: FollowRow, b: FollowRow): FollowRow {
  const decision = compareEventTime(b.decidedAt, b.decidedPosition, a.decidedAt, a.decidedPosition) > 0 ? b : a;
  const subscribe = laterSubscribe(a, b);
  const unsubscribedAt = laterInstant(a.unsubscribedAt, b.unsubscribedAt);
  if (decision === a && subscribe === a && unsubscribedAt === a.unsubscribedAt) return a;
  return {
    appid: a.appid,
    openid: a.openid,
    subscribed: decision.subscribed,
    source: decision.source,
    decidedAt: decision.decidedAt,
    decidedPosition: decision.decidedPosition,
    subscribedAt: subscribe.subscribedAt,
    subscribedPosition: subscribe.subscribedPosition,
    scene: subscribe.scene,
    unsubscribedAt,
  };
}

function laterSubscribe(a: FollowRow, b: FollowRow): FollowRow {
  if (b.subscribedAt === null) return a;
  if (a.subscribedAt === null) return b;
  const order = compareEventTime(b.subscribedAt, b.subscribedPosition ?? 0, a.subscribedAt, a.subscribedPosition ?? 0);
  return order > 0 ? b : a;
}
