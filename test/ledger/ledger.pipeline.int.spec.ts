import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestLedger, type TestLedger } from '../support/testDatabase.ts';
import { createLedger } from '../../src/ledger/ledger.ts';
import { InvalidEventError } from '../../src/ledger/ledgerErrors.ts';
import { TSX } from '../support/tsx.ts';

const run = promisify(execFile);
const worker = fileURLToPath(new URL('../support/pipelineWorker.ts', import.meta.url));

/**
 * The pipelined group commit plans a batch while the one ahead commits, and writes it only if
 * the head is still the one it planned on. Three processes doing that at once, with keys they
 * share, two-event appends and expected versions on one hot stream, must leave the same ledger
 * guarantees as one batch at a time.
 */
describe('pipelined appends from three processes at once (PostgreSQL)', () => {
  let env: TestLedger;
  beforeAll(async () => {
    env = await openTestLedger('postgres');
  });
  afterAll(async () => {
    await env.cleanup();
  });

  it('positions gapless, chain valid, each key once, every stream version gapless', async () => {
    const results = await Promise.all(
      ['a', 'b', 'c'].map((tag) =>
        run(TSX, [worker, env.url!, tag, '24', '12'], { timeout: 120_000 }).then((r) => JSON.parse(r.stdout) as { appended: number; duplicates: number; conflicts: number }),
      ),
    );
    const appended = results.reduce((sum, r) => sum + r.appended, 0);
    const db = env.storage.db;
    const { rows } = await sql<{ events: number; maxPosition: number; keys: number }>`
      select count(*)::int as events, max(position)::int as "maxPosition", count(distinct idempotency_key)::int as keys
      from events`.execute(db);
    // Openids are sealed in the stored rows: count the shared ones as the ledger reads them.
    let sharedKeys = 0;
    for (let after = 0; after < appended; after += 10_000) {
      sharedKeys += (await env.ledger.read({ after, limit: 10_000 })).filter((e) => String((e.data as { openid?: string }).openid).startsWith('shared-')).length;
    }
    const summary = { ...rows[0]!, sharedKeys };
    expect(summary.events).toBe(appended);
    expect(summary.maxPosition).toBe(appended);
    expect(summary.keys).toBe(appended);
    // 24 callers × 12 rounds: a quarter are the shared subscribes, each appended by one process only.
    expect(summary.sharedKeys).toBe(72);
    expect(results.reduce((sum, r) => sum + r.duplicates, 0)).toBe(72 * 2);
    const gaps = await sql<{ stream: string }>`
      select stream from events group by stream having max(stream_version) <> count(*) or min(stream_version) <> 1`.execute(db);
    expect(gaps.rows).toEqual([]);
    const hot = await sql<{ n: number }>`select count(*)::int as n from events where stream = 'hot-stream'`.execute(db);
    expect(hot.rows[0]!.n).toBeGreaterThan(0);
    expect(await env.ledger.verify()).toMatchObject({ ok: true, checked: appended, head: appended });
  });

  it('a batch planned on top of one that then fails re-plans: no event lost, none twice, the failing one refused alone', async () => {
    const db = env.storage.db;
    // Idempotency keys are stored as keyed digests.
    const poisonKey = (await env.ledger.privacy()).pseudonyms.idempotencyKey('poison');
    await sql`create function refuse_poison() returns trigger language plpgsql as $$
      begin
        if new.idempotency_key = '${sql.raw(poisonKey)}' then raise exception 'poisoned event'; end if;
        return new;
      end $$`.execute(db);
    await sql`create trigger refuse_poison before insert on events for each row execute function refuse_poison()`.execute(db);
    const ledger = createLedger(env.storage, { pipeline: true });
    try {
      const start = await ledger.head();
      const event = (openid: string, key = `k-${openid}`) => ({ type: 'follow.subscribed' as const, data: { appid: 'wxpoison', openid }, meta: { source: 'webhook' as const, idempotencyKey: key } });
      // Batch A: the poison, a key batch B shares, and others.
      const a = [ledger.append([event('o-poison', 'poison')]), ledger.append([event('o-shared')]), ...Array.from({ length: 20 }, (_, i) => ledger.append([event(`a-${i}`)]))];
      // Batch B, once A is in flight: it plans on top of A, with the shared key as A's duplicate.
      await new Promise((r) => setImmediate(r));
      const b = [ledger.append([event('o-shared')]), ...Array.from({ length: 20 }, (_, i) => ledger.append([event(`b-${i}`)]))];
      const results = await Promise.allSettled([...a, ...b]);

      expect(results[0]).toMatchObject({ status: 'rejected', reason: expect.any(InvalidEventError) });
      expect(results.slice(1).every((r) => r.status === 'fulfilled')).toBe(true);
      const shared = [results[1], results[22]].map((r) => (r as PromiseFulfilledResult<{ events: { id: string }[] }>).value.events[0]!.id);
      expect(shared[0]).toBe(shared[1]);
      const stored = await ledger.read({ appid: 'wxpoison', limit: 1000 });
      expect(stored.map((e) => e.position)).toEqual(Array.from({ length: 41 }, (_, i) => start + i + 1));
      expect(new Set(stored.map((e) => e.meta.idempotencyKey)).size).toBe(41);
      expect(stored.some((e) => e.meta.idempotencyKey === poisonKey)).toBe(false);
      expect(await ledger.verify()).toMatchObject({ ok: true });
    } finally {
      await ledger.close();
      await sql`drop trigger refuse_poison on events`.execute(db);
      await sql`drop function refuse_poison()`.execute(db);
    }
  });
});
