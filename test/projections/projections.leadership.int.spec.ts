import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLedger, type Ledger } from '../../src/ledger/ledger.ts';
import { openStorage, type Storage } from '../../src/ledger/openStorage.ts';
import { followState } from '../../projections/followState/index.ts';
import { createProjectionRunner, type AppliedBatch, type ProjectionStatus } from '../../projections/projectionRunner.ts';
import { verifyProjections } from '../../projections/verifyProjections.ts';
import { openTestStorage } from '../support/testDatabase.ts';
import { configuredAccounts as ctx } from './context.ts';
import { appendAll, peopleEvents } from './support/backlog.ts';
import { until } from '../support/until.ts';


describe('the projections of one projection in two "processes" (two Storage instances on one database)', () => {
  let env: Awaited<ReturnType<typeof openTestStorage>>;
  let other: Storage;
  let ledgers: [Ledger, Ledger];
  beforeAll(async () => {
    env = await openTestStorage('postgres');
    other = await openStorage({ databaseUrl: env.url! });
    ledgers = [createLedger(env.storage), createLedger(other)];
  });
  afterAll(async () => {
    await Promise.all(ledgers.map((l) => l.close()));
    await other.close();
    await env.cleanup();
  });

  it('only the leader applies, each batch once; when it stops, the other takes over', async () => {
    const applied: [AppliedBatch[], AppliedBatch[]] = [[], []];
    // One runner per "process", with the follow-state projection only; `status` is that projection's.
    type Runner = { start(): Runner; stop(): Promise<void>; status(): ProjectionStatus };
    const daemon = (i: 0 | 1): Runner => {
      const runner = createProjectionRunner({
        ledger: ledgers[i],
        projections: [followState],
        ctx,
        batchSize: 500,
        retryMs: 50,
        onApplied: (batch) => applied[i].push(batch),
      });
      const running: Runner = {
        start: () => (runner.start(), running),
        stop: () => runner.stop(),
        status: () => runner.status()[0]!,
      };
      return running;
    };
    const [a, b] = [daemon(0).start(), daemon(1)];
    await until(() => a.status().leader && a.status().version !== null, 20_000);
    b.start();

    const head = await appendAll(ledgers[0], peopleEvents(1500, 'lead'));
    await until(() => a.status().checkpoint === head, 20_000);
    // b has tried for the lock and lost (it reports the leader's checkpoint from the registry).
    await until(() => b.status().checkpoint === head, 20_000);
    expect(a.status()).toMatchObject({ leader: true, checkpoint: head, lag: 0 });
    expect(b.status()).toMatchObject({ leader: false, checkpoint: head, version: 1 });
    expect(applied[1]).toEqual([]);
    // Each batch moved the checkpoint once, from where the previous one left it.
    const batches = applied[0].filter((x) => !x.rebuilding);
    expect(batches.length).toBeGreaterThan(1);
    batches.forEach((batch, i) => expect(batch.from).toBe(i === 0 ? 0 : batches[i - 1]!.to));
    expect(batches.at(-1)!.to).toBe(head);

    await a.stop();
    expect(a.status().leader).toBe(false);
    const more = await appendAll(ledgers[1], peopleEvents(300, 'after'));
    await until(() => b.status().leader && b.status().checkpoint === more, 20_000);
    expect(applied[1][0]!.from).toBe(head);
    expect(applied[0].at(-1)!.to).toBe(head);
    await b.stop();

    const [verified] = await verifyProjections(ledgers[0], ctx, [followState]);
    expect(verified).toMatchObject({ name: 'follow-state', ok: true, checkpoint: more });
  });
});
