import { userStream, type LedgerEvent } from '../../src/ledger/events.ts';
import { compareEventTime } from '../eventTime.ts';
import { sceneOf } from '../followState/sceneOf.ts';
import { keyOf, type Key } from '../key.ts';
import { statsDay } from './statsDay.ts';
import { StatsKey, type Cohort, type DayRow, type FollowerRow, type SceneBucket, type SceneRow, type StatsRow } from './statsRow.ts';

/** A row of this projection as the framework's `Key`: `openid` carries the row's key within its account. */
export function statsKey(appid: string, key: string): Key {
  return { appid, openid: key };
}

/** Where an erased person's follow facts are found: their stream, readable in redacted events too. */
function followerStreamOf(event: LedgerEvent): string | null {
  if (event.type === 'identity.erased') return userStream(event.data.appid, event.data.subject);
  return event.stream || null;
}

/** The bucket and scene of a subscribe: a redacted one (erased subject) is counted as `erased`. */
function bucketOf(event: LedgerEvent<'follow.subscribed'>): { bucket: SceneBucket; scene: string | null } {
  if (event.erased) return { bucket: 'erased', scene: null };
  const scene = sceneOf(event.data);
  return scene === null ? { bucket: 'none', scene: null } : { bucket: 'scene', scene };
}

/**
 * The keys an event touches. An unsubscribe also touches the scene row of the follower's cohort,
 * which only their row knows: the table's load brings it along (dailyStatsTable.ts).
 */
export function keysOf(event: LedgerEvent): Key[] {
  switch (event.type) {
    case 'follow.subscribed':
    case 'follow.unsubscribed': {
      const stream = followerStreamOf(event);
      if (!stream) return [];
      const day = statsDay(event.occurredAt);
      const keys = [statsKey(event.data.appid, StatsKey.follower(stream)), statsKey(event.data.appid, StatsKey.day(day))];
      if (event.type === 'follow.subscribed') {
        const { bucket, scene } = bucketOf(event);
        keys.push(statsKey(event.data.appid, StatsKey.scene(day, bucket, scene)));
      }
      return keys;
    }
    case 'identity.erased':
      return [statsKey(event.data.appid, StatsKey.follower(followerStreamOf(event)!)), statsKey(event.data.appid, StatsKey.day(statsDay(event.occurredAt)))];
    case 'reconciliation.completed':
      return [statsKey(event.data.appid, StatsKey.run(event.position))];
    default:
      return [];
  }
}

/**
 * Folds one event into the counters (see `Projection.evolve`). A follow fact counts only when it
 * changes the follower's state and is newer (event time, then position) than the fact that
 * decided it — the rule follow-state follows — so a late retry or an older fact changes no count.
 * Redacted events (an erased subject) still count: type, time, appid, source and stream stay
 * readable; only the scene is gone, counted in the `erased` bucket. That is what keeps a rebuild
 * equal to the live rows, whose erased scenes the erasure moved to that bucket.
 */
export function evolve(rows: Map<string, StatsRow>, event: LedgerEvent): string[] {
  switch (event.type) {
    case 'follow.subscribed':
    case 'follow.unsubscribed':
      return follow(rows, event);
    case 'identity.erased':
      return erased(rows, event);
    case 'reconciliation.completed': {
      const { appid, followers, added, removed, startedAt } = event.data;
      const key = StatsKey.run(event.position);
      rows.set(keyOf(appid, key), { appid, key, kind: 'run', day: statsDay(event.occurredAt), startedAt, completedAt: event.occurredAt, followers, added, removed });
      return [keyOf(appid, key)];
    }
    default:
      return [];
  }
}

export function foldAll(events: Iterable<LedgerEvent>): Map<string, StatsRow> {
  const rows = new Map<string, StatsRow>();
  for (const event of events) evolve(rows, event);
  return rows;
}

function follow(rows: Map<string, StatsRow>, event: LedgerEvent<'follow.subscribed' | 'follow.unsubscribed'>): string[] {
  const stream = followerStreamOf(event);
  if (!stream) return [];
  const { appid } = event.data;
  const followerKey = StatsKey.follower(stream);
  const id = keyOf(appid, followerKey);
  const current = (rows.get(id) as FollowerRow | undefined) ?? { appid, key: followerKey, kind: 'follower', subscribed: false, decidedAt: null, decidedPosition: null, cohorts: [] };
  if (current.decidedAt !== null && compareEventTime(event.occurredAt, event.position, current.decidedAt, current.decidedPosition!) <= 0) return [];
  const subscribe = event.type === 'follow.subscribed';
  const reconciled = event.meta.source === 'reconciliation';
  const day = statsDay(event.occurredAt);
  const changed = [id];
  let cohorts = current.cohorts;
  if (subscribe !== current.subscribed) {
    changed.push(bumpDay(rows, appid, day, subscribe ? (reconciled ? 'reconciledIn' : 'new') : reconciled ? 'reconciledOut' : 'lost'));
    if (subscribe && !reconciled) {
      // A follower a reconciliation found came through no scene we know of: no cohort.
      const { bucket, scene } = bucketOf(event as LedgerEvent<'follow.subscribed'>);
      changed.push(bumpScene(rows, appid, { day, bucket, scene, lost: false }, 'new'));
      cohorts = [...cohorts, { day, bucket, scene, lost: false }];
    } else if (!subscribe) {
      const last = cohorts[cohorts.length - 1];
      if (last && !last.lost) {
        changed.push(bumpScene(rows, appid, last, 'lost'));
        cohorts = [...cohorts.slice(0, -1), { ...last, lost: true }];
      }
    }
  }
  rows.set(id, { ...current, subscribed: subscribe, decidedAt: event.occurredAt, decidedPosition: event.position, cohorts });
  return changed;
}

/** The person is forgotten: their attribution row goes; a follower erased while following leaves the total. */
function erased(rows: Map<string, StatsRow>, event: LedgerEvent<'identity.erased'>): string[] {
  const { appid } = event.data;
  const day = statsDay(event.occurredAt);
  const changed = [bumpDay(rows, appid, day, 'erasures')];
  const id = keyOf(appid, StatsKey.follower(followerStreamOf(event)!));
  const follower = rows.get(id) as FollowerRow | undefined;
  if (follower) {
    if (follower.subscribed) bumpDay(rows, appid, day, 'erasedFollowing');
    rows.delete(id);
    changed.push(id);
  }
  return changed;
}

type DayCounter = 'new' | 'lost' | 'reconciledIn' | 'reconciledOut' | 'erasedFollowing' | 'erasures';

function bumpDay(rows: Map<string, StatsRow>, appid: string, day: string, counter: DayCounter): string {
  const key = StatsKey.day(day);
  const id = keyOf(appid, key);
  const current = (rows.get(id) as DayRow | undefined) ?? { appid, key, kind: 'day', day, new: 0, lost: 0, reconciledIn: 0, reconciledOut: 0, erasedFollowing: 0, erasures: 0 };
  rows.set(id, { ...current, [counter]: current[counter] + 1 });
  return id;
}

function bumpScene(rows: Map<string, StatsRow>, appid: string, cohort: Cohort, counter: 'new' | 'lost'): string {
  const key = StatsKey.scene(cohort.day, cohort.bucket, cohort.scene);
  const id = keyOf(appid, key);
  const current = (rows.get(id) as SceneRow | undefined) ?? { appid, key, kind: 'scene', day: cohort.day, bucket: cohort.bucket, scene: cohort.scene, new: 0, lost: 0 };
  rows.set(id, { ...current, [counter]: current[counter] + 1 });
  return id;
}
