import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CursorCheckpoint } from '../../../src/ledger/consumer/cursorCheckpoint.ts';
import { eventsAfter } from '../../../src/ledger/consumer/eventsAfter.ts';
import { createLedgerConsumer, type LedgerConsumer, type LedgerConsumerOptions } from '../../../src/ledger/consumer/ledgerConsumer.ts';
import type { Delivery, LedgerPage, Processor } from '../../../src/ledger/consumer/processor.ts';
import { createLedger, type Ledger } from '../../../src/ledger/ledger.ts';
import { openStorage, type Storage } from '../../../src/ledger/openStorage.ts';
import { subscribed } from '../../support/newEvents.ts';
import { openTestStorage } from '../../support/testDatabase.ts';
import { until } from '../../support/until.ts';

/** A processor that records what it is handed; its checkpoint lives in memory unless `store` says where. */
function recorder(
  name: string,
  options: {
    checkpoint?: number;
    store?: { load(): Promise<number>; save(position: number): Promise<void> };
    /** Called before each page is handled; may throw (a failure) or wait. */
    before?: (delivery: Delivery, events: number[]) => Promise<void> | void;
    /** How far to get in a page (default: its end). */
    reach?: (events: number[], delivery: Delivery) => number;
  } = {},
) {
  let position = options.checkpoint ?? 0;
  const record = {
    seen: [] as number[],
    deliveries: [] as Delivery[],
    checkpoints: 0,
    observed: 0,
    paused: 0,
    processor: {
      name,
      async checkpoint() {
        record.checkpoints++;
        if (options.store) position = await options.store.load();
        return position;
      },
      async handle(delivery) {
        const events = eventsAfter(delivery.page.events, delivery.after).map((e) => e.position);
        record.deliveries.push(delivery);
        await options.before?.(delivery, events);
        const reached = options.reach ? options.reach(events, delivery) : (events[events.length - 1] ?? delivery.after);
        record.seen.push(...events.filter((p) => p <= reached));
        position = reached;
        await options.store?.save(reached);
        return reached;
      },
      async observe() {
        record.observed++;
      },
      async pause() {
        record.paused++;
      },
    } satisfies Processor,
  };
  return record;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('ledger consumer (PostgreSQL)', () => {
  let env: Awaited<ReturnType<typeof openTestStorage>>;
  let other: Storage;
  let ledger: Ledger;
  let otherLedger: Ledger;
  const consumers: LedgerConsumer[] = [];
  const consumer = (options: Partial<LedgerConsumerOptions<LedgerPage>> & { name: string }) => {
    const created = createLedgerConsumer({ ledger, retryMs: 50, safetyPollMs: 60_000, ...options });
    consumers.push(created);
    return created;
  };
  beforeAll(async () => {
    env = await openTestStorage('postgres');
    other = await openStorage({ databaseUrl: env.url! });
    ledger = createLedger(env.storage);
    otherLedger = createLedger(other);
  });
  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((c) => c.stop()));
  });
  afterAll(async () => {
    await ledger.close();
    await otherLedger.close();
    await other.close();
    await env.cleanup();
  });

  const appendMany = async (count: number, tag: string) => {
    const result = await ledger.append(Array.from({ length: count }, (_, i) => subscribed('wxconsumer', `${tag}-${i}`)));
    return result.events[result.events.length - 1]!.position;
  };

  it('hands each processor the events after its own checkpoint, in order and once, and keeps doing so as commits arrive', async () => {
    const start = await ledger.head();
    await appendMany(25, 'own');
    const fromStart = recorder('from-start', { checkpoint: start });
    const ahead = recorder('ahead', { checkpoint: start + 20 });
    const c = consumer({ name: 'own-checkpoints', batchSize: 10 });
    c.add(fromStart.processor);
    c.add(ahead.processor);
    c.start();
    const head = await appendMany(12, 'more');
    await until(() => fromStart.seen.length === head - start && ahead.seen.length === head - start - 20, 10_000);
    expect(fromStart.seen).toEqual(range(start + 1, head));
    expect(ahead.seen).toEqual(range(start + 21, head));
    expect(c.status()).toMatchObject({ leader: true, processors: [{ name: 'from-start', position: head }, { name: 'ahead', position: head }] });
  });

  it('reads each page once for the processors at the same position, one page ahead on a backlog', async () => {
    const start = await ledger.head();
    const head = await appendMany(30, 'shared');
    const reads: number[] = [];
    const a = recorder('a', { checkpoint: start });
    const b = recorder('b', { checkpoint: start });
    const c = consumer({
      name: 'shared-reads',
      batchSize: 10,
      read: async (after, limit) => {
        reads.push(after);
        return { events: await ledger.read({ after, limit }) };
      },
    });
    c.add(a.processor);
    c.add(b.processor);
    c.start();
    await until(() => a.seen.length === 30 && b.seen.length === 30, 10_000);
    // Told it has caught up: the last page is an empty one, after the head.
    await until(() => a.deliveries.at(-1)?.after === head && b.deliveries.at(-1)?.after === head, 10_000);
    expect(new Set(reads).size).toBe(reads.length);
    expect(reads).toEqual([start, start + 10, start + 20, start + 30]);
    expect(a.deliveries.map((d) => d.page)).toEqual(b.deliveries.map((d) => d.page));
    a.deliveries.forEach((delivery, i) => expect(delivery.page).toBe(b.deliveries[i]!.page));
    expect(a.deliveries.map((d) => d.full)).toEqual([true, true, true, false]);
    expect(a.deliveries.at(-1)!.page.events).toEqual([]);
  });

  it('hands a processor that finishes late the page the others read meanwhile, when nothing was committed since', async () => {
    const start = await ledger.head();
    const reads: number[] = [];
    let release: (() => void) | null = null;
    const fast = recorder('fast', { checkpoint: start });
    // Busy with its first commits for a while.
    const slow = recorder('slow', {
      checkpoint: start,
      before: (_delivery, events) => (events.length > 0 && release === null ? new Promise<void>((resolve) => (release = resolve)) : undefined),
    });
    const c = consumer({
      name: 'late-reader',
      read: async (after, limit) => {
        reads.push(after);
        return { events: await ledger.read({ after, limit }) };
      },
    });
    c.add(fast.processor);
    c.add(slow.processor);
    c.start();
    await until(() => c.status().processors.every((p) => p.position === start && !p.busy), 10_000);
    const first = await appendMany(3, 'late-a');
    await until(() => fast.seen.length === 3 && release !== null, 10_000);
    const second = await appendMany(3, 'late-b');
    await until(() => fast.seen.length === 6, 10_000);
    release!();
    await until(() => slow.seen.length === 6, 10_000);
    expect(slow.seen).toEqual(range(start + 1, second));
    expect(slow.deliveries.filter((d) => d.page.events.length > 0).map((d) => d.after)).toEqual([start, first]);
    expect(slow.deliveries.at(-1)!.page).toBe(fast.deliveries.at(-1)!.page);
    expect(reads.filter((after) => after === first)).toHaveLength(1);
  });

  it('retries a failing processor from its checkpoint after the pause, and holds up no other processor meanwhile', async () => {
    const start = await ledger.head();
    let failures = 0;
    let slowGate: (() => void) | null = null;
    const steady = recorder('steady', { checkpoint: start });
    const flaky = recorder('flaky', {
      checkpoint: start,
      before() {
        if (failures++ < 2) throw new Error('publish failed');
      },
    });
    const slow = recorder('slow', {
      checkpoint: start,
      before: () => new Promise<void>((resolve) => (slowGate = resolve)),
    });
    const errors: string[] = [];
    const c = consumer({ name: 'retries', retryMs: 100, onError: (error, processor) => errors.push(`${processor}: ${error.message}`) });
    c.add(steady.processor);
    c.add(flaky.processor);
    c.add(slow.processor);
    c.start();
    const first = await appendMany(5, 'retry-a');
    await until(() => steady.seen.length === 5 && slowGate !== null, 10_000);
    // The slow one still holds its first page; the steady one keeps being handed the new commits.
    const second = await appendMany(5, 'retry-b');
    await until(() => steady.seen.length === 10, 10_000);
    expect(slow.seen).toEqual([]);
    slowGate!();
    await until(() => flaky.seen.length === 10, 10_000);
    await until(async () => {
      slowGate?.();
      return slow.seen.length === 10;
    }, 10_000);
    expect(steady.seen).toEqual(range(start + 1, second));
    expect(flaky.seen).toEqual(range(start + 1, second));
    expect(slow.seen).toEqual(range(start + 1, second));
    expect(first).toBe(start + 5);
    // Each failure made the consumer ask the processor for its checkpoint again.
    expect(errors).toEqual(['flaky: publish failed', 'flaky: publish failed']);
    expect(flaky.checkpoints).toBe(3);
    expect(steady.checkpoints).toBe(1);
  });

  it('hands a processor that took only part of a page the rest after the pause', async () => {
    const start = await ledger.head();
    const head = await appendMany(10, 'partial');
    let calls = 0;
    const partial = recorder('partial', { checkpoint: start, reach: (events) => (calls++ === 0 ? events[3]! : events[events.length - 1]!) });
    const c = consumer({ name: 'partial', retryMs: 100 });
    c.add(partial.processor);
    c.start();
    await until(() => partial.seen.length === 10, 10_000);
    expect(partial.seen).toEqual(range(start + 1, head));
    expect(partial.deliveries.map((d) => d.after)).toEqual([start, start + 4]);
  });

  it('asks a processor that follows nothing again when refreshed', async () => {
    const start = await ledger.head();
    let following = false;
    const idle = recorder('idle');
    const processor: Processor = { ...idle.processor, checkpoint: async () => (following ? start : null) };
    const c = consumer({ name: 'idle' });
    c.add(processor);
    c.start();
    await until(() => c.status().leader, 10_000);
    const head = await appendMany(3, 'idle');
    expect(idle.deliveries).toEqual([]);
    following = true;
    c.refresh(processor);
    await until(() => idle.seen.length === 3, 10_000);
    expect(idle.seen).toEqual(range(start + 1, head));
  });

  it('leads in one process at a time; when the leader stops, another takes over at the stored checkpoint', async () => {
    const start = await ledger.head();
    await CursorCheckpoint.load(env.storage.db, 'consumer-test', start);
    const store = (db: Storage['db']) => ({
      load: () => CursorCheckpoint.load(db, 'consumer-test'),
      save: (position: number) => CursorCheckpoint.store(db, 'consumer-test', position),
    });
    const first = recorder('first', { store: store(env.storage.db) });
    const second = recorder('second', { store: store(other.db) });
    const a = consumer({ name: 'leader', ledger });
    a.add(first.processor);
    a.start();
    await until(() => a.status().leader, 10_000);
    const b = consumer({ name: 'leader', ledger: otherLedger });
    b.add(second.processor);
    b.start();
    const before = await appendMany(20, 'lead');
    await until(() => first.seen.length === 20 && second.observed >= 2, 10_000);
    expect(b.status().leader).toBe(false);
    expect(second.deliveries).toEqual([]);

    await a.stop();
    expect(first.paused).toBe(1);
    const after = await appendMany(7, 'takeover');
    await until(() => second.seen.length === 7, 10_000);
    expect(b.status().leader).toBe(true);
    expect(second.deliveries[0]!.after).toBe(before);
    expect([...first.seen, ...second.seen]).toEqual(range(start + 1, after));
  });
});
