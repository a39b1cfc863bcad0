import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProjectionRunner } from '../../projections/projectionRunner.ts';
import { getUser } from '../../projections/query/getUser.ts';
import { startE2E, MP, OA, READ_KEY, type E2E, keepWithdrawals } from '../support/e2eHarness.ts';
import { until } from '../support/until.ts';
import { TEST_SETTINGS } from './support/jobsHarness.ts';

/** The job routes over HTTP, with the service's runner and projections, and pushes arriving mid-pass. */
describe('jobs over HTTP', () => {
  let e2e: E2E;
  let projections: ProjectionRunner;
  const openid = (person: number) => e2e.simulator.state.openidOf(OA.appid, person);
  const db = () => e2e.server.service.storage.db;

  beforeAll(async () => {
    // The service's own job runner, with the test's (fast) settings.
    // Pushes signed a day ago are accepted only without the timestamp window (an explicit opt-out).
    e2e = await startE2E({
      followers: 30,
      jobs: { settings: TEST_SETTINGS },
      configure: (config) => {
        keepWithdrawals(config);
        config.wechat.timestampToleranceSeconds = null;
      },
    });
    const service = e2e.server.service;
    projections = service.projections;
    // The webhook delivered persons 0…9 a day ago; 10…29 were lost.
    const dayAgo = Math.floor(Date.now() / 1000) - 86_400;
    for (let p = 0; p < 10; p++) expect(await e2e.push(OA.appid, { event: 'subscribe', openid: openid(p) }, 'plain', { now: dayAgo * 1000 })).toEqual({ status: 200, body: 'success' });
  });
  afterAll(async () => {
    await e2e?.close();
  });

  const job = async (id: string) => (await (await e2e.api(`/v1/jobs/${id}`)).json()) as Record<string, any>;
  const settled = (id: string) =>
    until(async () => {
      const view = await job(id);
      return view.status !== 'queued' && view.status !== 'running' ? view : undefined;
    }, 30_000, `job ${id} to settle`, 50);

  it('answers 404 for an unknown account or job, 400 for a non-OA, 403 without the admin scope', async () => {
    expect((await e2e.api('/v1/accounts/wxnobody/reconciliations', { method: 'POST' })).status).toBe(404);
    const mp = await e2e.api(`/v1/accounts/${MP.appid}/reconciliations`, { method: 'POST' });
    expect(mp.status).toBe(400);
    expect(await mp.json()).toMatchObject({ error: { code: 'not_an_official_account' } });
    expect((await e2e.api(`/v1/accounts/${OA.appid}/reconciliations`, { method: 'POST', key: READ_KEY })).status).toBe(403);
    expect((await e2e.api('/v1/jobs/00000000-0000-0000-0000-000000000000')).status).toBe(404);
    expect((await e2e.api('/v1/jobs/not-a-uuid')).status).toBe(404);
    const migration = await e2e.api('/v1/migrations', { method: 'POST', body: JSON.stringify({ fromAppid: OA.appid, toAppid: 'wxnobody', dryRun: true }) });
    expect(migration.status).toBe(404);
  });

  it('a push that arrives during the pass wins over the pass; 409 while the job runs; progress, rate and result over HTTP', async () => {
    // Each user/get takes 1.5 s: the pass stays open long enough for pushes to arrive during it.
    e2e.simulator.state.setFaults({ latency: { ms: 1500, apis: ['user/get'] } });
    try {
      const started = await e2e.api(`/v1/accounts/${OA.appid}/reconciliations`, { method: 'POST' });
      expect(started.status).toBe(202);
      const { jobId, warnings } = (await started.json()) as { jobId: string; warnings: string[] };
      expect(warnings).toEqual([]);
      expect(started.headers.get('location')).toBe(`/v1/jobs/${jobId}`);

      const conflict = await e2e.api(`/v1/accounts/${OA.appid}/reconciliations`, { method: 'POST' });
      expect(conflict.status).toBe(409);
      expect(await conflict.json()).toMatchObject({ error: { code: 'job_already_running' } });

      const listing = await until(async () => ((await job(jobId)).phase === 'listing' ? job(jobId) : undefined), 15_000, 'the listing phase', 50);
      expect(listing).toMatchObject({ id: jobId, kind: 'reconciliation', appid: OA.appid, status: 'running', result: null, error: null });
      // While WeChat is still answering, stamped past the pass's start (CreateTime has one-second
      // resolution: the next whole second): person 3 unfollows (the list, read before, still has
      // them); person 40, not on the list, follows.
      const duringPass = Math.floor(Date.now() / 1000) + 1;
      expect(await e2e.push(OA.appid, { event: 'unsubscribe', openid: openid(3), createTime: duringPass })).toEqual({ status: 200, body: 'success' });
      expect(await e2e.push(OA.appid, { event: 'subscribe', openid: openid(40), createTime: duringPass })).toEqual({ status: 200, body: 'success' });
      expect((await job(jobId)).status).toBe('running');

      const done = await settled(jobId);
      expect(done).toMatchObject({ status: 'done', phase: 'done', error: null, rate: null, eta: null, progress: { done: 20, total: 20 } });
      expect(done.result).toMatchObject({ followers: 30, added: 20, removed: 0 });

      await projections.waitFor(await e2e.server.service.ledger.head());
      expect((await getUser(db(), OA.appid, openid(3)))?.follow).toMatchObject({ subscribed: false, source: 'webhook' });
      expect((await getUser(db(), OA.appid, openid(40)))?.follow).toMatchObject({ subscribed: true, source: 'webhook' });
      expect((await getUser(db(), OA.appid, openid(15)))?.follow).toMatchObject({ subscribed: true, source: 'reconciliation' });

      const events = (await (await e2e.api(`/v1/events?appid=${OA.appid}&limit=1000`)).json()) as { events: { data: { openid?: string }; meta: { correlationId?: string } }[] };
      const corrected = events.events.filter((e) => e.meta.correlationId === jobId).map((e) => e.data.openid);
      expect(corrected).not.toContain(openid(3));
      expect(corrected).not.toContain(openid(40));
    } finally {
      e2e.simulator.state.clearFaults();
    }
  });

  it('backfill and migration routes answer 202; GET /v1/jobs lists them; a dry run reports counts', async () => {
    const backfill = await e2e.api(`/v1/accounts/${OA.appid}/unionid-backfills`, { method: 'POST' });
    expect(backfill.status).toBe(202);
    const { jobId } = (await backfill.json()) as { jobId: string };
    expect(await settled(jobId)).toMatchObject({ kind: 'unionid-backfill', status: 'done' });

    // The e2e accounts have no migration configured: the window is unknown, which is a warning, not a refusal.
    const migration = await e2e.api('/v1/migrations', { method: 'POST', body: JSON.stringify({ fromAppid: MP.appid, toAppid: OA.appid, dryRun: true }) });
    expect(migration.status).toBe(202);
    const accepted = (await migration.json()) as { jobId: string; warnings: string[] };
    expect(accepted.warnings.join()).toMatch(/no migration date/);
    const dryRun = await settled(accepted.jobId);
    expect(dryRun).toMatchObject({ kind: 'openid-conversion', status: 'done', result: { dryRun: true, openids: 0 } });

    const list = (await (await e2e.api('/v1/jobs?limit=10')).json()) as { jobs: { id: string }[] };
    expect(list.jobs.map((j) => j.id)).toEqual(expect.arrayContaining([jobId, accepted.jobId]));
  });
});
