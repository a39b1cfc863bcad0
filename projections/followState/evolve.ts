import type { LedgerEvent } from '../../src/ledger/events.ts';
import { keyOf } from '../key.ts';
import type { FollowRow } from './followRow.ts';
import { joinFollowRows } from './joinFollowRows.ts';
import { sceneOf } from './sceneOf.ts';

export { keyOf } from '../key.ts';
export { keysOf } from './keysOf.ts';

/**
 * Folds one event into the follow rows (see `Projection.evolve`). Each follow event is turned
 * into the row it alone would produce and merged by event time (`joinFollowRows`): a late retry
 * of an old subscribe never undoes a newer unsubscribe, and vice versa.
 *
 * An old fact arriving late still updates `subscribedAt`/`unsubscribedAt` when it is the latest
 * of its kind, without touching `subscribed`: e.g. unsubscribe@10:00 arriving after
 * subscribe@10:05 leaves `subscribed: true, unsubscribedAt: 10:00`. Ignoring it instead would
 * make the row depend on arrival order (in order, that unsubscribe would have been recorded).
 */
export function evolve(rows: Map<string, FollowRow>, event: LedgerEvent): string[] {
  // An erased subject's events are redacted: they say nothing about anyone any more.
  if (event.erased) return [];
  switch (event.type) {
    case 'follow.subscribed': {
      const { appid, openid } = event.data;
      return merge(rows, {
        appid, openid, subscribed: true, source: event.meta.source,
        decidedAt: event.occurredAt, decidedPosition: event.position,
        subscribedAt: event.occurredAt, subscribedPosition: event.position, scene: sceneOf(event.data),
        unsubscribedAt: null,
      });
    }
    case 'follow.unsubscribed': {
      const { appid, openid } = event.data;
      return merge(rows, {
        appid, openid, subscribed: false, source: event.meta.source,
        decidedAt: event.occurredAt, decidedPosition: event.position,
        subscribedAt: null, subscribedPosition: null, scene: null,
        unsubscribedAt: event.occurredAt,
      });
    }
    case 'openid.converted': {
      // WeChat moved the follower to the new account: the new openid follows as the old one did,
      // with the old facts' own times, so a newer fact already known for the new openid (say an
      // unsubscribe from the new account before the conversion job ran) still wins. The old row
      // stays as it was: the old account is frozen.
      const old = rows.get(keyOf(event.data.fromAppid, event.data.fromOpenid));
      if (!old) return [];
      return merge(rows, { ...old, appid: event.data.toAppid, openid: event.data.toOpenid, source: 'conversion' });
    }
    // authorization.revoked is an MP consent event; reconciliation emits its own follow events.
    default:
      return [];
  }
}

export function foldAll(events: Iterable<LedgerEvent>): Map<string, FollowRow> {
  const rows = new Map<string, FollowRow>();
  for (const event of events) evolve(rows, event);
  return rows;
}

function merge(rows: Map<string, FollowRow>, incoming: FollowRow): string[] {
  const key = keyOf(incoming.appid, incoming.openid);
  const current = rows.get(key);
  const next = current ? joinFollowRows(current, incoming) : incoming;
  if (next === current) return [];
  rows.set(key, next);
  return [key];
}
