import type { Projection } from '../projection.ts';
import { evolve, foldAll } from './evolve.ts';
import type { FollowRow } from './followRow.ts';
import { keysOf } from './keysOf.ts';

export type { FollowRow } from './followRow.ts';

export const followState: Projection<FollowRow> = {
  name: 'follow-state',
  codeVersion: 1,
  keysOf,
  evolve,
  foldAll,
};
