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
 * safety poll (60 s here). The read is held, after its query ran, until a commit has landed and
 * been announced.
 */
describe('live projections woken during a read (PostgreSQL)', () => {
  let env: Awaited<ReturnType<typeof openTestStorage>>;
  let ledger: Ledger;
  let runner: ProjectionRunner;
  /** Run by the next page read between its query and its return: a commit then lands while the read is in flight. */
  let duringNextRead: (() => Promise<void>) | null = null;
  let announced = 0;
  beforeAll(async () => {
    env = await openTestStorage('postgres');
    const executor = (env.storage.db as unknown as { getExecutor(): { executeQuery(compiled: { sql: string }, ...rest: unknown[]): Promise<unknown> } }).getExecutor();
    const execute = executor.executeQuery.bind(executor);
    executor.executeQuery = async (compiled, ...rest) => {
      if (!/from events e left join subject_keys k on k.id = e.subject_key\s+where e.position >/.test(compiled.sql)) return execute(compiled, ...rest);
      const result = await execute(compiled, ...rest);
      const during = duringNextRead;
      duringNextRead = null;
      if (during) await during();
      return result;
    };
    ledger = createLedger(env.storage);
    ledger.onAppend((head) => (announced = Math.max(announced, head)));
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
    // The next read is the one the commit of o-2 wakes; o-3 is committed and announced during it
    // (every listener of this process hears a commit in the same call, the projections' included).
    let second = 0;
    duringNextRead = async () => {
      second = (await ledger.append([subscribed('wxoa', 'o-3')])).events[0]!.position;
      await until(() => announced >= second, 3000, 'the commit of o-3 announced');
    };
    await ledger.append([subscribed('wxoa', 'o-2')]);
    await until(() => second > 0, 3000);
    await until(() => runner.status().every((s) => s.checkpoint === second), 3000);
  });
});
