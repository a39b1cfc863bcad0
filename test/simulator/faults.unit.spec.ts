import { describe, expect, it } from 'vitest';
import { createFaults } from '../../src/simulator/faults.ts';

async function draws(seed: number): Promise<(number | null)[]> {
  const faults = createFaults({ seed, errors: [{ api: 'user/get', errcode: -1, rate: 0.3 }] }, Date.now);
  const out: (number | null)[] = [];
  for (let i = 0; i < 200; i++) out.push(await faults.before('user/get'));
  return out;
}

describe('fault injection', () => {
  it('error rates are reproducible from the seed', async () => {
    const a = await draws(7);
    expect(await draws(7)).toEqual(a);
    expect(await draws(8)).not.toEqual(a);
    const failures = a.filter((x) => x === -1).length;
    expect(failures).toBeGreaterThan(30);
    expect(failures).toBeLessThan(90);
  });

  it('failNext fails exactly the next N calls of that API', async () => {
    const faults = createFaults({}, Date.now);
    faults.failNext('user/info', 45011, 2);
    expect(await faults.before('user/get')).toBeNull();
    expect(await faults.before('user/info')).toBe(45011);
    expect(await faults.before('user/info')).toBe(45011);
    expect(await faults.before('user/info')).toBeNull();
  });

  it('daily quotas answer 45009 past the limit and reset the next day', async () => {
    let now = 0;
    const faults = createFaults({ quotas: [{ api: 'user/get', perDay: 2 }] }, () => now);
    expect(await faults.before('user/get')).toBeNull();
    expect(await faults.before('user/get')).toBeNull();
    expect(await faults.before('user/get')).toBe(45009);
    now += 86_400_000;
    expect(await faults.before('user/get')).toBeNull();
  });

  it('adds latency', async () => {
    const faults = createFaults({ latency: { ms: 30 } }, Date.now);
    const started = performance.now();
    await faults.before('user/get');
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
  });
});
