import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestReconciliation } from '../../src/jobs/requestReconciliation.ts';
import { claimJob } from '../../src/jobs/store/claimJob.ts';
import { createJobLease } from '../../src/jobs/store/jobLease.ts';
import { getJob } from '../../src/jobs/store/readJobs.ts';
import { LeaseLostError } from '../../src/jobs/jobErrors.ts';
import { startJobRunner } from '../../src/jobs/runner/startJobRunner.ts';
import { MP, OA, startJobsHarness, TEST_SETTINGS, type JobsHarness } from './support/jobsHarness.ts';
import { until } from '../support/until.ts';

describe('job leases: one holder at a time, a dead holder is replaced, a stopping one hands back', () => {
  let h: JobsHarness;
  beforeAll(async () => {
    h = await startJobsHarness({ runner: false, accounts: [{ appid: OA, kind: 'oa', followers: 40 }, { appid: MP, kind: 'mp' }] });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('a job held by an instance that died is taken over by a runner once the lease runs out', async () => {
    const dead = 'gone-host/4242/dead00';
    const { job } = await requestReconciliation(h.service, OA, { claimBy: { owner: dead, leaseMs: 1000 } });
    expect(job).toMatchObject({ status: 'running', leaseOwner: dead });
    const runner = startJobRunner(h.service, { projections: h.projections, settings: TEST_SETTINGS });
    try {
      const done = await h.settled(job.id);
      expect(done).toMatchObject({ status: 'done', attempts: 2, result: { followers: 40, added: 40 } });
      // The dead holder's late write is refused: its lease is gone.
      await expect(createJobLease(h.service.storage.db, job.id, dead, 1000).save({ done: 1 })).rejects.toBeInstanceOf(LeaseLostError);
    } finally {
      await runner.stop();
    }
  });

  it('only one claimer gets a job; the loser is fenced out of every write', async () => {
    const { job } = await requestReconciliation(h.service, OA);
    const [a, b] = await Promise.all([
      claimJob(h.service.storage.db, job.id, 'host/1/a', 60_000),
      claimJob(h.service.storage.db, job.id, 'host/1/b', 60_000),
    ]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
    const winner = a ? 'host/1/a' : 'host/1/b';
    const loser = a ? 'host/1/b' : 'host/1/a';
    await expect(createJobLease(h.service.storage.db, job.id, loser, 60_000).finish({})).rejects.toBeInstanceOf(LeaseLostError);
    await createJobLease(h.service.storage.db, job.id, winner, 60_000).release();
    expect(await getJob(h.service.storage.db, job.id)).toMatchObject({ status: 'queued', leaseOwner: null });
    // Clean up: let a runner finish it.
    const runner = startJobRunner(h.service, { projections: h.projections, settings: TEST_SETTINGS });
    await h.settled(job.id);
    await runner.stop();
  });

  it('a runner that stops mid-job hands the job back queued, and the next runner continues from the saved cursor', async () => {
    h.simulator.state.setFaults({ latency: { ms: 400, apis: ['user/info/batchget'] } });
    h.simulator.state.unfollow(OA, h.simulator.state.openidOf(OA, 1));
    for (let p = 100; p < 6100; p++) h.simulator.state.follow(OA, h.simulator.state.openidOf(OA, p));
    try {
      // Hand-backs here are explicit (stop): a long lease keeps a loaded machine's slow renewal from adding a claim.
      const first = startJobRunner(h.service, { projections: h.projections, settings: { ...TEST_SETTINGS, leaseMs: 20_000, callConcurrency: 1 } });
      const { job } = await requestReconciliation(h.service, OA);
      await until(async () => {
        const now = await getJob(h.service.storage.db, job.id);
        return now?.phase === 'applying' && now.progress.done > 0;
      }, 60_000, 'the job to apply its first corrections');
      await first.stop();
      const handedBack = (await getJob(h.service.storage.db, job.id))!;
      expect(handedBack).toMatchObject({ status: 'queued', leaseOwner: null, phase: 'applying' });
      expect(handedBack.progress.done).toBeGreaterThan(0);
      expect(handedBack.progress.done).toBeLessThan(6001);

      const second = startJobRunner(h.service, { projections: h.projections, settings: { ...TEST_SETTINGS, leaseMs: 20_000 } });
      const done = await h.settled(job.id);
      await second.stop();
      expect(done).toMatchObject({ status: 'done', attempts: 2, result: { added: 6000, removed: 1 } });
      const events = (await h.events({ appid: OA })).filter((e) => e.meta.correlationId === job.id);
      expect(events.filter((e) => e.type === 'follow.subscribed')).toHaveLength(6000);
      expect(events.filter((e) => e.type === 'unionid.resolved')).toHaveLength(6000);
      const tables = await sql<{ tablename: string }>`select tablename from pg_tables where tablename ~ '^job_(snapshot|items)_'`.execute(h.service.storage.db);
      expect(tables.rows).toEqual([]);
    } finally {
      h.simulator.state.clearFaults();
    }
  });
});
