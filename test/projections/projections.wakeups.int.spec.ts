import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLedger, type Ledger } from '../../src/ledger/ledger.ts';
import { createProjectionRunner, type ProjectionRunner } from '../../projections/projectionRunner.ts';
import { openTestStorage } from '../support/testDatabase.ts';
import { subscribed } from '../support/newEvents.ts';
import { configuredAccounts as ctx } from './context.ts';
import { until } from '../support/until.ts';


/**
 * Both live projections fold the pages of one read. A commit announced while that read is in
 * flight may be missing from it: the projections must read again at once, not sleep until their
 * safety poll (60 s here). The read is slowed so that the commit lands while it runs.
 */
describe('live projections woken during a read (PostgreSQL)', () => {
  let env: Awaited<ReturnType<typeof openTestStorage>>;
  let ledger: Ledger;
  let runner: ProjectionRunner;
  let onSlowRead: (() => void) | null = null;
  beforeAll(async () => {
    env = await openTestStorage('postgres');
    // Every read of ledger pages takes 300 ms longer, so a commit can land while one is in flight.
    const executor = (env.storage.db as unknown as { getExecutor(): { executeQuery(compiled: { sql: string }, ...rest: unknown[]): Promise<unknown> } }).getExecutor();
    const execute = executor.executeQuery.bind(executor);
    executor.executeQuery = async (compiled, ...rest) => {
      if (!/from events e left join subject_keys k on k.id = e.subject_key\s+where e.position >/.test(compiled.sql)) return execute(compiled, ...rest);
      const hook = onSlowRead;
      onSlowRead = null;
      if (hook) setTimeout(hook, 50);
      const result = await execute(compiled, ...rest);
      await new Promise((r) => setTimeout(r, 300));
      return result;
    };
    ledger = createLedger(env.storage);
  });
  afterAll(async () => {
    await runner?.stop();
    await ledger.close();
    await env.cleanup();
  });

  it('a commit announced while a read is in flight is folded by both without waiting for the safety poll', async () => {
    runner = createProjectionRunner({ ledger, ctx, safetyPollMs: 60_000 }).start();
    const first = (await ledger.append([subscribed('wxoa', 'o-1')])).events[0]!.position;
    await until(() => runner.status().every((s) => s.checkpoint === first), 5000);
    // The next read to start is the one the commit of o-2 wakes; o-3 is appended during it.
    let second = 0;
    onSlowRead = () => void ledger.append([subscribed('wxoa', 'o-3')]).then((r) => (second = r.events[0]!.position));
    await ledger.append([subscribed('wxoa', 'o-2')]);
    await until(() => second > 0, 3000);
    await until(() => runner.status().every((s) => s.checkpoint === second), 3000);
  });
});
