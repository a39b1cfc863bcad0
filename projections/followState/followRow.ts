import type { EventSource } from '../../src/ledger/events.ts';

/** Follow state of one OA `(appid, openid)`. */
export type FollowRow = {
  readonly appid: string;
  readonly openid: string;
  /** What the latest follow fact by event time says (ties: the higher ledger position). */
  readonly subscribed: boolean;
  /** Event time of the latest subscribe and of the latest unsubscribe, each whichever decided. */
  readonly subscribedAt: string | null;
  readonly unsubscribedAt: string | null;
  /** Scene of the latest subscribe. */
  readonly scene: string | null;
  /** Source of the deciding fact; `conversion` when inherited from the pre-migration openid. */
  readonly source: EventSource;
  /** occurredAt and position of the deciding fact: older facts arriving later are ignored. */
  readonly decidedAt: string;
  readonly decidedPosition: number;
  /**
   * Position of the latest subscribe: breaks a tie between two subscribes in the same second so
   * `scene` does not depend on arrival order. Null when no subscribe is known.
   */
  readonly subscribedPosition: number | null;
};
