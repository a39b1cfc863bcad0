import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyOf } from '../../projections/key.ts';
import { createKeyFilter } from '../../projections/keyFilter.ts';

describe('key filter (which keys a rebuilt table may hold)', () => {
  it('never forgets a key it was given: a load is skipped only for keys that cannot have a row', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string(), fc.string()), { maxLength: 200 }), (keys) => {
        const filter = createKeyFilter(1 << 12);
        for (const [appid, openid] of keys) filter.add(keyOf(appid, openid));
        return keys.every(([appid, openid]) => filter.mightContain(keyOf(appid, openid)));
      }),
    );
  });

  it('rarely claims a key it was not given at its design size', () => {
    const filter = createKeyFilter();
    for (let i = 0; i < 1_000_000; i++) filter.add(keyOf('wxoa', `seen-${i}`));
    let falsePositives = 0;
    for (let i = 0; i < 100_000; i++) if (filter.mightContain(keyOf('wxoa', `unseen-${i}`))) falsePositives++;
    expect(falsePositives / 100_000).toBeLessThan(0.01);
  });
});
