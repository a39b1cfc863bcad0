import { describe, expect, it } from 'vitest';
import type { LedgerEvent } from '../../src/ledger/events.ts';
import { createSharedPages } from '../../projections/sharedPages.ts';

/** A ledger of `head` events that counts the pages read from it. */
function fakeLedger(head: number) {
  const reads: string[] = [];
  return {
    reads,
    grow(by: number) {
      head += by;
    },
    read: async (after: number, limit: number) => {
      reads.push(`${after}:${limit}`);
      await new Promise((r) => setTimeout(r, 1));
      const count = Math.max(0, Math.min(limit, head - after));
      return Array.from({ length: count }, (_, i) => ({ position: after + i + 1 }) as LedgerEvent);
    },
  };
}

async function readAll(member: { read(after: number, limit: number): Promise<LedgerEvent[]> }, limit: number, work: () => Promise<void>) {
  let after = 0;
  for (;;) {
    const page = await member.read(after, limit);
    if (page.length === 0) return after;
    after = page[page.length - 1]!.position;
    await work();
  }
}

describe('shared rebuild pages', () => {
  it('two rebuilds of different speeds read each full page once, and end at the head', async () => {
    const ledger = fakeLedger(1000);
    const pages = createSharedPages(ledger.read, { window: 2 });
    const [fast, slow] = [pages.join(), pages.join()];
    const ends = await Promise.all([
      readAll(fast, 10, async () => {}),
      readAll(slow, 10, () => new Promise((r) => setTimeout(r, 2))),
    ]);
    expect(ends).toEqual([1000, 1000]);
    const full = ledger.reads.filter((r) => Number(r.split(':')[0]) < 1000);
    expect(new Set(full).size).toBe(100);
    expect(full.length).toBe(100);
  });

  it('never hands out a short page someone else read earlier: the tail may have grown since', async () => {
    const ledger = fakeLedger(15);
    const pages = createSharedPages(ledger.read);
    const [a, b] = [pages.join(), pages.join()];
    const first = a.read(10, 10);
    const joined = b.read(10, 10); // joins a's read while it is in flight
    expect((await first).length).toBe(5);
    ledger.grow(3);
    expect((await joined).length).toBe(8);
  });

  it('waits for a stalled member at most once, briefly, then leaves it behind', async () => {
    const ledger = fakeLedger(1000);
    const pages = createSharedPages(ledger.read, { window: 1, maxWaitMs: 300 });
    const [runner, stalled] = [pages.join(), pages.join()];
    await stalled.read(0, 10);
    const started = Date.now();
    expect(await readAll(runner, 10, async () => {})).toBe(1000);
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(5000); // not the 60 s a wait per page would cost
    stalled.leave();
  });

  it('does not wait for a member that left', async () => {
    const ledger = fakeLedger(1000);
    const pages = createSharedPages(ledger.read, { window: 1, maxWaitMs: 60_000 });
    const [runner, gone] = [pages.join(), pages.join()];
    await gone.read(0, 10);
    gone.leave();
    expect(await readAll(runner, 10, async () => {})).toBe(1000);
  });
});
