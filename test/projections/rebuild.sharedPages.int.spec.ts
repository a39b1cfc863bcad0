import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLedger, type Ledger } from '../../src/ledger/ledger.ts';
import { createProjectionRunner, DEFAULT_PROJECTIONS } from '../../projections/projectionRunner.ts';
import { ProjectionVersions } from '../../projections/store/projectionVersions.ts';
import { verifyProjections } from '../../projections/verifyProjections.ts';
import { openTestStorage } from '../support/testDatabase.ts';
import { until } from '../support/until.ts';
import { configuredAccounts as ctx } from './context.ts';
import { appendAll, peopleEvents } from './support/backlog.ts';

/**
 * Rebuilding both projections costs one read of the ledger, not one per projection: the rebuild
 * folds every building version from the same pages.
 */
describe('a rebuild of both projections (PostgreSQL)', () => {
  let env: Awaited<ReturnType<typeof openTestStorage>>;
  let ledger: Ledger;
  /** `after` of every page read with the rebuild's page size. */
  const rebuildReads: number[] = [];
  beforeAll(async () => {
    env = await openTestStorage('postgres');
    const executor = (env.storage.db as unknown as { getExecutor(): { executeQuery(compiled: { sql: string; parameters: readonly unknown[] }, ...rest: unknown[]): Promise<unknown> } }).getExecutor();
    const execute = executor.executeQuery.bind(executor);
    executor.executeQuery = async (compiled, ...rest) => {
      if (/from events e left join subject_keys k on k.id = e.subject_key\s+where e.position >/.test(compiled.sql) && compiled.parameters[1] === 100) rebuildReads.push(Number(compiled.parameters[0]));
      return execute(compiled, ...rest);
    };
    ledger = createLedger(env.storage);
  });
  afterAll(async () => {
    await ledger.close();
    await env.cleanup();
  });

  it('reads each page once for every building version, and switches them all', async () => {
    const first = createProjectionRunner({ ledger, ctx }).start();
    await first.waitFor(0);
    const head = await appendAll(ledger, peopleEvents(400, 'shared'));
    await first.waitFor(head);
    await first.stop();
    for (const projection of DEFAULT_PROJECTIONS) await ProjectionVersions.startBuilding(env.storage.db, projection.name, projection.codeVersion, { replaceForeign: false });

    rebuildReads.length = 0;
    const runner = createProjectionRunner({ ledger, ctx, rebuildBatchSize: 100 }).start();
    try {
      await until(async () => (await ProjectionVersions.allActive(env.storage.db)).every((v) => v.version === 2), 30_000, 'both switches');
      expect(rebuildReads.length).toBeGreaterThan(head / 100);
      expect(new Set(rebuildReads).size).toBe(rebuildReads.length);
      const verified = await verifyProjections(ledger, ctx);
      expect(verified.map((v) => [v.name, v.version, v.ok])).toEqual([['identity-links', 2, true], ['follow-state', 2, true], ['daily-stats', 2, true]]);
    } finally {
      await runner.stop();
    }
  });
});
