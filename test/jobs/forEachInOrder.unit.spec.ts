import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { forEachInOrder } from '../../src/jobs/runner/forEachInOrder.ts';

async function* chunks(n: number) {
  for (let i = 1; i <= n; i++) yield i;
}

describe('forEachInOrder: concurrent work, commits in source order', () => {
  it('commits every chunk in order however the work finishes, with at most `concurrency` in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const committed: number[] = [];
    await forEachInOrder(
      chunks(20),
      { concurrency: 4 },
      async (i) => {
        inFlight++;
        most = Math.max(most, inFlight);
        // Deliberate: chunks finish out of order (0 to 4 ms), which the commits must not follow.
        await sleep((21 - i) % 5);
        inFlight--;
        return i * 10;
      },
      async (i, result) => {
        expect(result).toBe(i * 10);
        committed.push(i);
      },
    );
    expect(committed).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(most).toBe(4);
  });

  it('on a failure commits the chunks before it, none after, lets the others finish, and throws', async () => {
    const committed: number[] = [];
    const finished: number[] = [];
    const run = forEachInOrder(
      chunks(10),
      { concurrency: 3 },
      async (i) => {
        // Deliberate: chunk 4 fails while the chunks before it are still working.
        await sleep(i === 4 ? 1 : 5);
        finished.push(i);
        if (i === 4) throw new Error('chunk 4 failed');
        return i;
      },
      async (i) => {
        committed.push(i);
      },
    );
    await expect(run).rejects.toThrow('chunk 4 failed');
    expect(committed).toEqual([1, 2, 3]);
    // Chunks already started when 4 failed were let finish; no new one was started after.
    expect(Math.max(...finished)).toBeLessThanOrEqual(6);
  });

  it('stops at the next chunk when aborted', async () => {
    const controller = new AbortController();
    const committed: number[] = [];
    const run = forEachInOrder(chunks(100), { concurrency: 2, signal: controller.signal }, async (i) => i, async (i) => {
      committed.push(i);
      if (i === 5) controller.abort(new Error('stop'));
    });
    await expect(run).rejects.toThrow('stop');
    expect(committed.length).toBeLessThan(10);
  });
});
