import { describe, expect, it } from 'vitest';
import { backoffMs, retryWithBackoff } from '../src/retryWithBackoff.ts';

const policy = { attempts: 3, baseMs: 1, maxMs: 4 };
const busy = Object.assign(new Error('busy'), { retry: true });
const refused = new Error('refused');
const retryable = (error: unknown) => (error as { retry?: boolean }).retry === true;

describe('retryWithBackoff', () => {
  it('retries a retryable failure until it succeeds, reporting each retry', async () => {
    let calls = 0;
    const retries: number[] = [];
    const result = await retryWithBackoff(
      async () => {
        if (++calls < 3) throw busy;
        return 'ok';
      },
      policy,
      { retryable, onRetry: (_, attempt) => retries.push(attempt) },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(retries).toEqual([1, 2]);
  });

  it('throws the last failure after `attempts` attempts in all', async () => {
    let calls = 0;
    await expect(retryWithBackoff(async () => { calls++; throw busy; }, policy, { retryable })).rejects.toBe(busy);
    expect(calls).toBe(3);
  });

  it('throws any other failure at once', async () => {
    let calls = 0;
    await expect(retryWithBackoff(async () => { calls++; throw refused; }, policy, { retryable })).rejects.toBe(refused);
    expect(calls).toBe(1);
  });

  it('counts failures again from the first after the work progressed', async () => {
    // Two failures between steps of progress, five times over: never three in a row, so it finishes.
    let steps = 0;
    let failuresSinceStep = 0;
    const retries: number[] = [];
    const result = await retryWithBackoff(
      async (progressed) => {
        while (steps < 5) {
          if (failuresSinceStep < 2) {
            failuresSinceStep++;
            throw busy;
          }
          steps++;
          failuresSinceStep = 0;
          progressed();
        }
        return steps;
      },
      policy,
      { retryable, onRetry: (_, attempt) => retries.push(attempt) },
    );
    expect(result).toBe(5);
    expect(retries).toEqual([1, 2, 1, 2, 1, 2, 1, 2, 1, 2]);
  });

  it('an abort ends the wait', async () => {
    const controller = new AbortController();
    const failing = retryWithBackoff(async () => { throw busy; }, { attempts: 5, baseMs: 60_000, maxMs: 60_000 }, {
      retryable,
      signal: controller.signal,
      onRetry: () => controller.abort(new Error('stopping')),
    });
    await expect(failing).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('waits exponentially, capped, between half and all of the step', () => {
    for (let i = 0; i < 200; i++) {
      const waits = [1, 2, 3, 4, 5].map((attempt) => backoffMs({ baseMs: 100, maxMs: 500 }, attempt));
      [100, 200, 400, 500, 500].forEach((step, n) => {
        expect(waits[n]).toBeGreaterThanOrEqual(step / 2);
        expect(waits[n]).toBeLessThanOrEqual(step);
      });
    }
  });
});
