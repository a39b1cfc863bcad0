import { describe, expect, it } from 'vitest';
import { createIdentities, unionidOf } from '../../src/simulator/identities.ts';

describe('simulated identities', () => {
  it('openids look like WeChat openids and decode back to their person', () => {
    const ids = createIdentities('wxapp1', 'seed');
    for (const person of [0, 1, 9_999, 999_999, 1_000_000_123]) {
      const openid = ids.openidOf(person);
      expect(openid).toMatch(/^o[A-Za-z0-9_-]{27}$/);
      expect(ids.personOf(openid)).toBe(person);
    }
    expect(ids.openidsOf([5, 6])).toEqual([ids.openidOf(5), ids.openidOf(6)]);
  });

  it('openids of one app share a prefix, differ per app, and do not decode in another app', () => {
    const a = createIdentities('wxapp1', 'seed');
    const b = createIdentities('wxapp2', 'seed');
    expect(a.openidOf(1).slice(0, 6)).toBe(a.openidOf(2).slice(0, 6));
    expect(a.openidOf(1)).not.toBe(b.openidOf(1));
    expect(b.personOf(a.openidOf(1))).toBeNull();
    expect(a.personOf('oSomethingMadeUp00000000000')).toBeNull();
  });

  it('unionids depend on the seed (the Open Platform account) and the person only', () => {
    expect(unionidOf('seed', 7)).toBe(unionidOf('seed', 7));
    expect(unionidOf('seed', 7)).not.toBe(unionidOf('seed', 8));
    expect(unionidOf('seed', 7)).not.toBe(unionidOf('other', 7));
    expect(unionidOf('seed', 7)).toMatch(/^o[A-Za-z0-9_-]{27}$/);
  });

  it('the same seed gives the same openids in a fresh instance', () => {
    expect(createIdentities('wxapp1', 's').openidOf(42)).toBe(createIdentities('wxapp1', 's').openidOf(42));
    expect(createIdentities('wxapp1', 's').openidOf(42)).not.toBe(createIdentities('wxapp1', 't').openidOf(42));
  });
});
