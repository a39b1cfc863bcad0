import { sql } from 'kysely';
import type { EventSource } from '../../src/ledger/events.ts';
import { isoTimeOrNull } from '../store/isoTime.ts';
import type { FollowView } from './userView.ts';

/** The follow columns of a left-joined follow-state row `f`, as `follow_*`. */
export const FOLLOW_COLUMNS = sql.raw(
  'f.appid is not null as follow_known, f.subscribed as follow_subscribed, f.subscribed_at as follow_subscribed_at, ' +
    'f.unsubscribed_at as follow_unsubscribed_at, f.scene as follow_scene, f.source as follow_source',
);

export type FollowColumns = {
  follow_known: boolean;
  follow_subscribed: boolean | null;
  follow_subscribed_at: Date | string | null;
  follow_unsubscribed_at: Date | string | null;
  follow_scene: string | null;
  follow_source: string | null;
};

export function followViewOf(row: FollowColumns): FollowView | null {
  if (!row.follow_known) return null;
  return {
    subscribed: row.follow_subscribed === true,
    subscribedAt: isoTimeOrNull(row.follow_subscribed_at),
    unsubscribedAt: isoTimeOrNull(row.follow_unsubscribed_at),
    scene: row.follow_scene,
    source: row.follow_source as EventSource,
  };
}
