import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLedger, type Ledger } from '../../src/ledger/ledger.ts';
import { createProjectionDaemon, type ProjectionDaemon } from '../../projections/projectionDaemon.ts';
import { followState } from '../../projections/followState/index.ts';
import { identityLinks } from '../../projections/identityLinks/index.ts';
import { openTestStorage } from '../support/testDatabase.ts';
import { subscribed } from '../support/newEvents.ts';
import { configuredAccounts as ctx } from './context.ts';
import { until } from '../support/until.ts';


/**
 * The two live daemons share a read of the same ledger tail. A daemon woken by a commit must not
 * be handed a read that started before that commit was announced and then sleep: here the other
 * daemon's safety poll starts a (slowed) read, a commit lands while it runs, and the daemon that
 * would only wake again after 60 s must still fold the commit at once.
 */
describe('live projection daemons sharing reads (PostgreSQL)', () => {
  let env: Awaited<ReturnType<typeof openTestStorage>>;
  let ledger: Ledger;
  const daemons: ProjectionDaemon[] = [];
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
    await Promise.all(daemons.map((d) => d.stop()));
    await ledger.close();
    await env.cleanup();
  });

  it('a commit announced while the other daemon reads is folded by both without waiting for the safety poll', async () => {
    daemons.push(createProjectionDaemon({ ledger, projection: followState, ctx, safetyPollMs: 700 }).start());
    daemons.push(createProjectionDaemon({ ledger, projection: identityLinks, ctx, safetyPollMs: 60_000 }).start());
    const first = (await ledger.append([subscribed('wxoa', 'o-1')])).events[0]!.position;
    await until(() => daemons.every((d) => d.status().checkpoint === first), 5000);
    // The next slow read to start is the follow-state daemon's safety poll, alone; append during it.
    let second = 0;
    onSlowRead = () => void ledger.append([subscribed('wxoa', 'o-2')]).then((r) => (second = r.events[0]!.position));
    await until(() => second > 0, 3000);
    await until(() => daemons.every((d) => d.status().checkpoint === second), 3000);
  });
});
