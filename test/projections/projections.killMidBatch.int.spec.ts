import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { Ledger } from '../../src/ledger/ledger.ts';
import { createProjectionRunner } from '../../projections/projectionRunner.ts';
import { until } from '../support/until.ts';
import { ProjectionVersions } from '../../projections/store/projectionVersions.ts';
import { verifyProjections } from '../../projections/verifyProjections.ts';
import { openTestLedger, type TestLedger } from '../support/testDatabase.ts';
import { configuredAccounts as ctx } from './context.ts';
import { appendAll, peopleEvents } from './support/backlog.ts';
import { TSX } from '../support/tsx.ts';

const worker = fileURLToPath(new URL('./support/projectionWorker.ts', import.meta.url));

describe('projections killed in the middle of a batch (PostgreSQL)', () => {
  let env: TestLedger;
  let ledger: Ledger;
  beforeAll(async () => {
    env = await openTestLedger('postgres');
    ledger = env.ledger;
  });
  afterAll(async () => {
    await env.cleanup();
  });

  it('resumes from its last committed batch: the tables equal a fresh fold of the ledger', async () => {
    const head = await appendAll(ledger, peopleEvents(6000, 'kill'));
    expect(head).toBeGreaterThan(15_000);

    // tsx runs the script in a node child of its own: the worker gets its own process group so
    // that SIGKILL reaches the process actually applying, not only its launcher.
    const child = spawn(TSX, [worker, env.url!, '300'], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    const killWorker = () => {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
    };
    let applied = 0;
    child.stdout!.on('data', (chunk: Buffer) => {
      applied += chunk.toString().split('\n').filter((line) => line.startsWith('applied')).length;
    });
    // Let it commit a few batches, then catch it with a batch transaction open, and kill it.
    const deadline = Date.now() + 30_000;
    onTestFinished(killWorker);
    await until(() => applied >= 4, 30_000, 'four batches', 10);
    expect(applied).toBeGreaterThanOrEqual(4);
    let caughtInTransaction = false;
    while (!caughtInTransaction && Date.now() < deadline) {
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from pg_stat_activity
        where datname = current_database() and pid <> pg_backend_pid() and xact_start is not null
          and (query ilike '%proj\\_%' or query ilike '%projection_versions%')`.execute(env.storage.db);
      caughtInTransaction = rows[0]!.n > 0;
    }
    killWorker();
    expect(await exited).toBe('SIGKILL');
    expect(caughtInTransaction).toBe(true);

    const { active, building } = await ProjectionVersions.current(env.storage.db, 'identity-links');
    const reached = Math.max(active?.position ?? 0, building?.position ?? 0);
    expect(reached).toBeLessThan(head); // killed with work left, not after the end

    const runner = createProjectionRunner({ ledger, ctx, retryMs: 50 }).start();
    try {
      await runner.waitFor(head, 60_000);
      const verified = await verifyProjections(ledger, ctx);
      for (const result of verified) {
        expect(result, result.name).toMatchObject({ ok: true, count: 0, differences: [], checkpoint: head });
        expect(result.checked).toBeGreaterThan(5000);
      }
    } finally {
      await runner.stop();
    }
  });
});
