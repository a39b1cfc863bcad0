import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLedger, type Ledger } from '../../src/ledger/ledger.ts';
import { openStorage, type Storage } from '../../src/ledger/openStorage.ts';
import type { LedgerEvent } from '../../src/ledger/events.ts';
import { openTestStorage } from '../support/testDatabase.ts';
import { subscribed } from '../support/newEvents.ts';
import { until } from '../support/until.ts';
import { followLedger } from '../support/followLedger.ts';


/**
 * A process follows the ledger through LISTEN. When that session is cut, commits made by another
 * process before it is back are never announced; on reconnecting, the follower must look for
 * itself instead of waiting for its safety poll (60 s here).
 */
describe('a follower whose LISTEN session was cut (PostgreSQL, two "processes")', () => {
  let env: Awaited<ReturnType<typeof openTestStorage>>;
  let other: Storage;
  let follower: Ledger;
  let writer: Ledger;
  beforeAll(async () => {
    env = await openTestStorage('postgres');
    other = await openStorage({ databaseUrl: env.url! });
    follower = createLedger(env.storage);
    writer = createLedger(other);
  });
  afterAll(async () => {
    await follower.close();
    await writer.close();
    await other.close();
    await env.cleanup();
  });

  it('reads the commits it was not told about as soon as the session is back', async () => {
    const seen: LedgerEvent[] = [];
    const subscription = followLedger(follower, 0, async (events) => {
      seen.push(...events);
    }, { safetyPollMs: 60_000 });
    try {
      await writer.append([subscribed('wxcut', 'o-before')]);
      await until(() => seen.length === 1, 5000);

      // Cut the follower's LISTEN session and commit from the other process before it is back
      // (it reconnects after 200 ms): that NOTIFY reaches nobody in the follower's process.
      const db = env.storage.db;
      const listening = async () =>
        (await sql<{ pid: number }>`select pid from pg_stat_activity where datname = current_database() and query like 'listen %'`.execute(db)).rows;
      const before = await listening();
      expect(before.length).toBeGreaterThan(0);
      await sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query like 'listen %'`.execute(db);
      await writer.append([subscribed('wxcut', 'o-during')]);
      await until(async () => (await listening()).some((row) => !before.some((b) => b.pid === row.pid)), 5000);

      await until(() => seen.length === 2, 3000);
      expect((seen[1]!.data as { openid: string }).openid).toBe('o-during');
    } finally {
      await subscription.stop();
    }
  });
});
