import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evolve, foldAll } from '../../projections/identityLinks/evolve.ts';
import type { IdentityRow } from '../../projections/identityLinks/identityRow.ts';
import { noAccounts as ctx } from './context.ts';
import { identityEvents, identitySpec } from './identityEvents.arbitrary.ts';

const sorted = <V>(rows: Map<string, V>) => [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
/** lastPosition only says which copy of a fact was folded last. */
const visible = (rows: Map<string, IdentityRow>) =>
  sorted(rows).map(([key, { lastPosition: _p, ...row }]) => [key, row]);

describe('identity links are immune to duplicates', () => {
  it('folding events again (a replayed batch) changes no row and reports no changed key', () => {
    fc.assert(
      fc.property(
        fc.array(identitySpec({ conflicts: true }), { maxLength: 30 }).map(identityEvents).chain((events) =>
          fc.tuple(fc.constant(events), fc.shuffledSubarray(events)),
        ),
        ([events, replayed]) => {
          const rows = foldAll(events, ctx);
          const before = sorted(rows);
          for (const event of replayed) expect(evolve(rows, event, ctx)).toEqual([]);
          expect(sorted(rows)).toEqual(before);
        },
      ),
    );
  });

  it('a retry appended again right after the original changes nothing but lastPosition', () => {
    fc.assert(
      fc.property(fc.array(identitySpec({ conflicts: true }), { maxLength: 30 }), (specs) => {
        const withRetries = specs.flatMap((s) => (s.retried ? [s, s] : [s]));
        expect(visible(foldAll(identityEvents(withRetries), ctx))).toEqual(visible(foldAll(identityEvents(specs), ctx)));
      }),
    );
  });
});
