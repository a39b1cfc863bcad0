/** Where a reconciliation is; saved with every page and chunk, so a resumed job continues here. */
export type ReconcileState = {
  /** 1 for the first listing; a listing that had to start over (lost snapshot, stale cursor) is the next pass. */
  pass: number;
  /** When this pass started: the event time of its corrective events, so pushes during the pass win. */
  startedAt: string;
  /** Ledger head when the pass started: the follow state must include it before the diff. */
  headAtStart: number;
  /** `next_openid` to continue listing from; null at the beginning. */
  cursor: string | null;
  /** Openids stored in the snapshot so far. */
  listed: number;
  /** WeChat's `total` from the latest page. */
  total: number | null;
  /** Distinct openids of the complete listing (set by the diff). */
  followers: number;
  added: number;
  removed: number;
  /** Last item applied (items are numbered 1…added+removed). */
  applied: number;
  unionidsResolved: number;
  unionidsMissing: number;
};

export const ReconcileState = {
  /**
   * `startedAt` is cut to the second: WeChat's CreateTime has one-second resolution, so a push
   * from the pass's first second counts as during the pass and wins.
   */
  newPass(previous: Partial<ReconcileState> | undefined, startedAt: Date, headAtStart: number): ReconcileState {
    return {
      pass: (previous?.pass ?? 0) + 1,
      startedAt: new Date(Math.floor(startedAt.getTime() / 1000) * 1000).toISOString(),
      headAtStart,
      cursor: null,
      listed: 0,
      total: null,
      followers: 0,
      added: 0,
      removed: 0,
      applied: 0,
      unionidsResolved: 0,
      unionidsMissing: 0,
    };
  },
};
