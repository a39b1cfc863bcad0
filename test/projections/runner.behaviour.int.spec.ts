import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ledger } from '../../src/ledger/ledger.ts';
import { createProjectionRunner } from '../../projections/projectionRunner.ts';
import { ProjectionLagError, ProjectionUnavailableError } from '../../projections/projectionErrors.ts';
import { getUser } from '../../projections/query/getUser.ts';
import { ProjectionVersions } from '../../projections/store/projectionVersions.ts';
import { openTestLedger, type TestLedger } from '../support/testDatabase.ts';
import { configuredAccounts as ctx } from './context.ts';
import { OA } from './eventBuilder.ts';
import { appendAll, peopleEvents } from './support/backlog.ts';
import { newEvents as e } from './support/newIdentityEvents.ts';

describe('projection runner (PostgreSQL)', () => {
  let env: TestLedger;
  let ledger: Ledger;
  beforeAll(async () => {
    env = await openTestLedger('postgres');
    ledger = env.ledger;
  });
  afterAll(async () => {
    await env.cleanup();
  });

  it('before the projections ever ran, queries say the projections are unavailable (HTTP 503), not "not found"', async () => {
    await expect(getUser(env.storage.db, OA, 'x')).rejects.toBeInstanceOf(ProjectionUnavailableError);
  });

  it('folds an existing ledger on its first start, then reads its own writes; waitFor gives up with a lag error', async () => {
    const head = await appendAll(ledger, peopleEvents(400, 'first'));
    const runner = createProjectionRunner({ ledger, ctx }).start();
    try {
      await runner.waitFor(head);
      expect(runner.status().map((s) => [s.name, s.version, s.checkpoint, s.leader, s.rebuilding])).toEqual([
        ['identity-links', 1, head, true, null],
        ['follow-state', 1, head, true, null],
        ['daily-stats', 1, head, true, null],
      ]);
      const { events } = await ledger.append([e.subscribed(OA, 'odd"\\,{}é😀 id', { minute: 7 })]);
      await runner.waitFor(events[0]!.position);
      expect((await getUser(env.storage.db, OA, 'odd"\\,{}é😀 id'))?.follow?.subscribed).toBe(true);

      const error = await runner.waitFor(head + 1000, 100).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(ProjectionLagError);
      expect(error).toMatchObject({ code: 'projection_lag', position: head + 1000 });
    } finally {
      await runner.stop();
    }
  });

  it('a second rebuild request joins the one under way; wait: false returns at once', async () => {
    const runner = createProjectionRunner({ ledger, ctx, rebuildBatchSize: 100 }).start();
    try {
      await runner.waitFor(await ledger.head());
      const started = await runner.rebuild('identity-links', { wait: false });
      const [joined, again] = await Promise.all([runner.rebuild('identity-links'), runner.rebuild('identity-links')]);
      expect([started.version, joined.version, again.version]).toEqual([2, 2, 2]);
      const active = (await ProjectionVersions.current(env.storage.db, 'identity-links')).active;
      expect(active?.version).toBe(2);
      // Analyzed before it serves queries: no plans from guesses on a freshly built table.
      const stats = await sql<{ analyzed: boolean }>`
        select last_analyze is not null as analyzed from pg_stat_user_tables where relname = ${active!.table}`.execute(env.storage.db);
      expect(stats.rows).toEqual([{ analyzed: true }]);
      expect((await runner.rebuild('identity-links')).version).toBe(3);
    } finally {
      await runner.stop();
    }
  });

  it('a process leading no projection still reads its writes through the registry', async () => {
    const leader = createProjectionRunner({ ledger, ctx }).start();
    // Started once the leader holds both locks: started together, either could win them.
    await leader.waitFor(await ledger.head());
    const follower = createProjectionRunner({ ledger, ctx, retryMs: 60_000 }).start();
    try {
      expect(follower.status().every((s) => !s.leader)).toBe(true);
      const { events } = await ledger.append([e.subscribed(OA, 'via-registry')]);
      await follower.waitFor(events[0]!.position);
      expect(await getUser(env.storage.db, OA, 'via-registry')).not.toBeNull();
    } finally {
      await follower.stop();
      await leader.stop();
    }
  });
});
