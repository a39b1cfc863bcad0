import type { Projection } from '../projection.ts';
import { evolve, foldAll, keysOf } from './evolve.ts';
import type { StatsRow } from './statsRow.ts';

export type { StatsRow, DayRow, SceneRow, RunRow, FollowerRow, SceneBucket } from './statsRow.ts';

/** Daily follower counters per account, per QR scene cohort, reconciliation drift (the dashboard's numbers). */
export const dailyStats: Projection<StatsRow> = {
  name: 'daily-stats',
  codeVersion: 1,
  keysOf,
  evolve,
  foldAll,
};
