import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LedgerEvent } from '../../src/ledger/events.ts';
import { foldAll, keyOf } from '../../projections/followState/evolve.ts';
import { sceneOf } from '../../projections/followState/sceneOf.ts';
import { followEvents, followSpec } from './followEvents.arbitrary.ts';

const sorted = <V>(rows: Map<string, V>) => [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : 1));

const eventsAndPermutation = fc
  .array(followSpec, { maxLength: 40 })
  .map(followEvents)
  .chain((events) =>
    fc.tuple(fc.constant(events), fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length })),
  );

type FollowEvent = LedgerEvent<'follow.subscribed'> | LedgerEvent<'follow.unsubscribed'>;
const newest = <E extends FollowEvent>(events: E[]): E | undefined =>
  events.reduce<E | undefined>((best, e) => {
    if (!best) return e;
    const dt = Date.parse(e.occurredAt) - Date.parse(best.occurredAt);
    return dt > 0 || (dt === 0 && e.position > best.position) ? e : best;
  }, undefined);

describe('follow state does not depend on the order follow events arrive in', () => {
  it('any permutation of the same events folds to the same rows', () => {
    fc.assert(
      fc.property(eventsAndPermutation, ([events, permuted]) => {
        expect(sorted(foldAll(permuted))).toEqual(sorted(foldAll(events)));
      }),
      { numRuns: 500 },
    );
  });

  it('each row says what the newest fact by (event time, position) says', () => {
    fc.assert(
      fc.property(eventsAndPermutation, ([events, permuted]) => {
        const rows = foldAll(permuted);
        const byKey = new Map<string, FollowEvent[]>();
        for (const e of events as FollowEvent[]) {
          const key = keyOf(e.data.appid, e.data.openid);
          byKey.set(key, [...(byKey.get(key) ?? []), e]);
        }
        expect(rows.size).toBe(byKey.size);
        for (const [key, own] of byKey) {
          const decider = newest(own)!;
          const lastSubscribe = newest(own.filter((e): e is LedgerEvent<'follow.subscribed'> => e.type === 'follow.subscribed'));
          const lastUnsubscribe = newest(own.filter((e) => e.type === 'follow.unsubscribed'));
          expect(rows.get(key)).toEqual({
            appid: decider.data.appid,
            openid: decider.data.openid,
            subscribed: decider.type === 'follow.subscribed',
            source: decider.meta.source,
            decidedAt: decider.occurredAt,
            decidedPosition: decider.position,
            subscribedAt: lastSubscribe?.occurredAt ?? null,
            subscribedPosition: lastSubscribe?.position ?? null,
            scene: lastSubscribe ? sceneOf(lastSubscribe.data) : null,
            unsubscribedAt: lastUnsubscribe?.occurredAt ?? null,
          });
        }
      }),
      { numRuns: 300 },
    );
  });
});
