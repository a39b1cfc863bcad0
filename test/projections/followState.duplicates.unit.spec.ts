import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evolve, foldAll } from '../../projections/followState/evolve.ts';
import type { FollowRow } from '../../projections/followState/followRow.ts';
import { followEvents, followSpec } from './followEvents.arbitrary.ts';

const sorted = <V>(rows: Map<string, V>) => [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
/** What a user of the projection sees: positions only say which copy of a fact was folded. */
const visible = (rows: Map<string, FollowRow>) =>
  sorted(rows).map(([key, { decidedPosition: _d, subscribedPosition: _s, ...row }]) => [key, row]);

describe('follow state is immune to duplicates', () => {
  it('folding events again (a replayed batch) changes no row and reports no changed key', () => {
    fc.assert(
      fc.property(
        fc.array(followSpec, { maxLength: 30 }).map(followEvents).chain((events) =>
          fc.tuple(fc.constant(events), fc.shuffledSubarray(events)),
        ),
        ([events, replayed]) => {
          const rows = foldAll(events);
          const before = sorted(rows);
          for (const event of replayed) expect(evolve(rows, event)).toEqual([]);
          expect(sorted(rows)).toEqual(before);
        },
      ),
    );
  });

  it('a WeChat retry appended again right after the original changes nothing a reader sees', () => {
    fc.assert(
      fc.property(fc.array(followSpec, { maxLength: 30 }), (specs) => {
        const withRetries = specs.flatMap((s) => (s.retried ? [s, s] : [s]));
        expect(visible(foldAll(followEvents(withRetries)))).toEqual(visible(foldAll(followEvents(specs))));
      }),
    );
  });
});
