import fc from 'fast-check';
import type { LedgerEvent } from '../../src/ledger/events.ts';
import { at, eventBuilder, NEW_OA, OA } from './eventBuilder.ts';

export type FollowSpec = {
  appid: string;
  openid: string;
  subscribe: boolean;
  minute: number;
  scene: string | undefined;
  eventKey: string | undefined;
  source: 'webhook' | 'reconciliation';
  retried: boolean;
};

/** Few keys and few distinct minutes, so facts for one user often collide in the same second. */
export const followSpec: fc.Arbitrary<FollowSpec> = fc.record({
  appid: fc.constantFrom(OA, NEW_OA),
  openid: fc.constantFrom('o1', 'o2', 'o3'),
  subscribe: fc.boolean(),
  minute: fc.integer({ min: 0, max: 4 }),
  scene: fc.option(fc.constantFrom('poster', 'menu'), { nil: undefined }),
  eventKey: fc.option(fc.constantFrom('qrscene_1', 'qrscene_2'), { nil: undefined }),
  source: fc.constantFrom('webhook', 'reconciliation'),
  retried: fc.boolean(),
});

/** Ledger envelopes for the specs, positions 1…n in spec order. */
export function followEvents(specs: readonly FollowSpec[]): LedgerEvent[] {
  const event = eventBuilder();
  return specs.map((s) => {
    const options = { at: at(s.minute), source: s.source };
    const user = { appid: s.appid, openid: s.openid };
    return s.subscribe
      ? event('follow.subscribed', { ...user, scene: s.scene, eventKey: s.eventKey }, options)
      : event('follow.unsubscribed', user, options);
  });
}
