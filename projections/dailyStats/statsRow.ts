/**
 * The rows of the daily-stats projection, all in one table keyed by `(appid, key)`. The key's
 * prefix says what a row is, and sorts so that each kind of an account is one primary-key range
 * (`d:<day>`, `s:<day>:…`, `r:<position>`): the stats routes read ranges of counters, never
 * the followers.
 */
export type StatsRow = DayRow | SceneRow | RunRow | FollowerRow;

/** Where a subscribe's scene is counted: its own scene, no scene (search, profile), or erased (unknown by design). */
export type SceneBucket = 'scene' | 'none' | 'erased';

type Keyed = { readonly appid: string; readonly key: string };

/** One account's day (Beijing time): follow-state transitions and erasures. */
export type DayRow = Keyed & {
  readonly kind: 'day';
  readonly day: string;
  /** Subscribes / unsubscribes WeChat pushed that changed the follower's state. */
  readonly new: number;
  readonly lost: number;
  /** The same, found by a reconciliation (a push WeChat never delivered). */
  readonly reconciledIn: number;
  readonly reconciledOut: number;
  /** Followers erased (on request) while following: they leave the total. */
  readonly erasedFollowing: number;
  /** Identities erased that day. */
  readonly erasures: number;
};

/** One scene's cohort of one day: followers who subscribed through it, and how many of them have left since. */
export type SceneRow = Keyed & {
  readonly kind: 'scene';
  readonly day: string;
  readonly bucket: SceneBucket;
  readonly scene: string | null;
  readonly new: number;
  readonly lost: number;
};

/** One reconciliation run's drift (`reconciliation.completed`). */
export type RunRow = Keyed & {
  readonly kind: 'run';
  readonly day: string;
  readonly startedAt: string;
  readonly completedAt: string;
  readonly followers: number;
  readonly added: number;
  readonly removed: number;
};

/** A subscribe that started a cohort: where it is counted, and whether the follower has left since. */
export type Cohort = { readonly day: string; readonly bucket: SceneBucket; readonly scene: string | null; readonly lost: boolean };

/**
 * One follower's attribution, keyed by their stream (the pseudonymous `user-<appid>-<subject>`,
 * which stays readable in redacted events, so a rebuild finds the same row): their follow state
 * as the counters saw it and the cohorts they were counted in. It holds their scenes, so an
 * erasure moves its cohorts to the `erased` bucket at once (redactFollowerRows.ts) and folding
 * `identity.erased` deletes it.
 */
export type FollowerRow = Keyed & {
  readonly kind: 'follower';
  readonly subscribed: boolean;
  /** Event time and position of the latest fact that decided `subscribed`; null before any. */
  readonly decidedAt: string | null;
  readonly decidedPosition: number | null;
  readonly cohorts: readonly Cohort[];
};

export const StatsKey = {
  day: (day: string) => `d:${day}`,
  scene: (day: string, bucket: SceneBucket, scene: string | null) => `s:${day}:${bucket === 'scene' ? `=${scene}` : bucket}`,
  /** Zero-padded, so runs sort in ledger order. */
  run: (position: number) => `r:${String(position).padStart(16, '0')}`,
  follower: (stream: string) => `f:${stream}`,
};
