import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldAll } from '../../projections/identityLinks/evolve.ts';
import { linkedAccounts } from '../../projections/identityLinks/linkedAccounts.ts';
import { configuredAccounts as ctx } from './context.ts';
import { identityEvents, identitySpec } from './identityEvents.arbitrary.ts';

describe('identity links do not depend on which app saw the user first', () => {
  it('without conflicting claims, every unionid links the same accounts in any arrival order', () => {
    const specsAndPermutation = fc
      .array(identitySpec({ conflicts: false }).filter((s) => s.kind !== 'converted'), { maxLength: 30 })
      .chain((specs) =>
        fc.tuple(fc.constant(specs), fc.shuffledSubarray(specs, { minLength: specs.length, maxLength: specs.length })),
      );
    fc.assert(
      fc.property(specsAndPermutation, ([specs, permuted]) => {
        const a = foldAll(identityEvents(specs), ctx);
        const b = foldAll(identityEvents(permuted), ctx);
        for (const unionid of ['u1', 'u2', 'u3']) expect(linkedAccounts(b, unionid)).toEqual(linkedAccounts(a, unionid));
      }),
    );
  });
});
