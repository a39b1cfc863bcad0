import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestLedger, type TestLedger } from '../support/testDatabase.ts';
import { createLedger, type Ledger } from '../../src/ledger/ledger.ts';
import { subscribed } from '../support/newEvents.ts';
import { TSX } from '../support/tsx.ts';
import { followLedger } from '../support/followLedger.ts';
import { until } from '../support/until.ts';

const run = promisify(execFile);
const worker = fileURLToPath(new URL('../support/appendWorker.ts', import.meta.url));

describe('appends from two processes at once (PostgreSQL)', () => {
  let env: TestLedger;
  let ledger: Ledger;
  beforeAll(async () => {
    env = await openTestLedger('postgres');
    ledger = env.ledger;
  });
  afterAll(async () => {
    await env.cleanup();
  });

  it('runs its statements without JIT compilation (short statements; a compile cost ~235 ms)', async () => {
    const { rows } = await sql<{ jit: string }>`select current_setting('jit') as jit`.execute(env.storage.db);
    expect(rows[0]!.jit).toBe('off');
  });

  it('loses none of 200 concurrent appends, numbers them 1..200 without a gap, and keeps the chain valid', async () => {
    const [a, b] = await Promise.all(
      ['a', 'b'].map((tag) => run(TSX, [worker, env.url!, tag, '100'], { timeout: 60_000 }).then((r) => JSON.parse(r.stdout) as number[])),
    );
    const positions = [...a!, ...b!].sort((x, y) => x - y);
    expect(positions).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    const events = await ledger.read({ limit: 1000 });
    expect(events.map((e) => e.position)).toEqual(positions);
    expect(new Set(events.map((e) => (e.data as { openid?: string }).openid)).size).toBe(200);
    expect(await ledger.verify()).toMatchObject({ ok: true, checked: 200, head: 200 });
  });

  it('a follower asking for pages larger than a read returns still drains a backlog without waiting for its safety poll', async () => {
    const start = await ledger.head();
    for (let chunk = 0; chunk < 6; chunk++) {
      await ledger.append(Array.from({ length: 2000 }, (_, i) => subscribed('wxbacklog', `o-${chunk}-${i}`)));
    }
    let seen = 0;
    const follower = createLedger(env.storage);
    const subscription = followLedger(follower, start, async (events) => {
      seen += events.length;
    }, { batchSize: 20_000, safetyPollMs: 60_000 });
    await until(() => seen >= 12_000, 5000, '12,000 events');
    await subscription.stop();
    await follower.close();
    expect(seen).toBe(12_000);
  });
});
