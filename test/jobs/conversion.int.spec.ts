import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerEvent } from '../../src/ledger/events.ts';
import { requestConversion } from '../../src/jobs/requestConversion.ts';
import { requeueJob } from '../../src/jobs/store/requeueJob.ts';
import { runJobHere } from '../../src/jobs/runner/runJobHere.ts';
import { getUser } from '../../projections/query/getUser.ts';
import { followPush, NEW_OA, OLD_GH, OLD_OA, startJobsHarness, TEST_SETTINGS, type JobsHarness } from './support/jobsHarness.ts';

const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();
const LATE = 'wxjobs00000late01';
const EARLY = 'wxjobs0000early01';
const UNDATED = 'wxjobs000undated1';

describe('openid conversion after an account migration', () => {
  let h: JobsHarness;
  const oldOpenid = (p: number) => h.simulator.state.openidOf(OLD_OA, p);
  const newOpenid = (p: number) => h.simulator.state.openidOf(NEW_OA, p);

  beforeAll(async () => {
    h = await startJobsHarness({
      accounts: [
        { appid: OLD_OA, kind: 'oa', followers: 600, originalId: OLD_GH },
        { appid: NEW_OA, kind: 'oa', followers: 0, migratedFrom: { appid: OLD_OA, migratedAt: daysAgo(2) } },
        { appid: LATE, kind: 'oa', followers: 0, migratedFrom: { appid: OLD_OA, migratedAt: daysAgo(16) } },
        { appid: EARLY, kind: 'oa', followers: 0, migratedFrom: { appid: OLD_OA, migratedAt: new Date(Date.now() + 86_400_000).toISOString() } },
        { appid: UNDATED, kind: 'oa', followers: 0, migratedFrom: { appid: OLD_OA } },
      ],
    });
    // The ledger knows persons 0…249 followed the old account; 250…259 unfollowed it (still known openids).
    const at = new Date(Date.now() - 5 * 86_400_000);
    await h.append(
      ...Array.from({ length: 260 }, (_, p) => followPush(OLD_OA, oldOpenid(p), 'subscribe', at)),
      ...Array.from({ length: 10 }, (_, i) => followPush(OLD_OA, oldOpenid(250 + i), 'unsubscribe', new Date(at.getTime() + 1000))),
    );
    for (let p = 250; p < 260; p++) h.simulator.state.unfollow(OLD_OA, oldOpenid(p));
  });
  afterAll(async () => {
    await h?.close();
  });

  type Conversion = Omit<LedgerEvent, 'data'> & { data: Record<string, string> };
  const conversions = async () =>
    ((await h.events({ type: ['openid.converted', 'openid.conversion_failed'] })) as unknown as Conversion[]).filter((e) => e.data.fromAppid === OLD_OA);

  it('refuses outside the 15-day window, before the migration, and for an unknown account; warns when the date is unknown', async () => {
    await expect(requestConversion(h.service, { fromAppid: OLD_OA, toAppid: LATE })).rejects.toMatchObject({ code: 'outside_migration_window', status: 400 });
    await expect(requestConversion(h.service, { fromAppid: OLD_OA, toAppid: EARLY })).rejects.toMatchObject({ code: 'outside_migration_window' });
    await expect(requestConversion(h.service, { fromAppid: OLD_OA, toAppid: 'wxnobody' })).rejects.toMatchObject({ code: 'unknown_appid', status: 404 });
    await expect(requestConversion(h.service, { fromAppid: 'wxsomeoneelse', toAppid: NEW_OA })).rejects.toMatchObject({ code: 'migration_mismatch' });
    const { job, warnings } = await requestConversion(h.service, { fromAppid: OLD_OA, toAppid: UNDATED, dryRun: true });
    expect(warnings.join()).toMatch(/no migration date is configured/);
    expect((await h.settled(job.id)).status).toBe('done');
  });

  it('a dry run counts without appending anything', async () => {
    const before = await h.service.ledger.head();
    const { job } = await requestConversion(h.service, { fromAppid: OLD_OA, toAppid: NEW_OA, dryRun: true });
    const done = await h.settled(job.id);
    expect(done.status).toBe('done');
    expect(done.result).toMatchObject({
      dryRun: true, openids: 250, fromLedger: 250, fromList: 0, alreadyConverted: 0, calls: 3,
      probe: { checked: 100, convertible: 100, refused: 0 }, window: { status: 'open' },
    });
    expect(await h.service.ledger.head()).toBe(before);
  });

  it('stops with a clear message when WeChat answers 63178 for both forms of from_appid', async () => {
    h.simulator.state.failNext('changeopenid', 63178, 2);
    const { job } = await requestConversion(h.service, { fromAppid: OLD_OA, toAppid: NEW_OA });
    const done = await h.settled(job.id);
    expect(done.status).toBe('failed');
    expect(done.error?.code).toBe('wechat_no_migration_relation');
    expect(done.error?.message).toMatch(/63178.*no migration relation with wxjobs000000old01 or gh_jobsold0001.*OLD account/);
    expect(await conversions()).toEqual([]);
  });

  it('converts each follower exactly once, trying the gh_ original id when WeChat refuses the appid form', async () => {
    h.simulator.state.failNext('changeopenid', 63178, 1); // the appid form is refused: the gh_ id is tried next
    const { job } = await requestConversion(h.service, { fromAppid: OLD_OA, toAppid: NEW_OA });
    const done = await h.settled(job.id);
    expect({ status: done.status, error: done.error }).toEqual({ status: 'done', error: null });
    expect(done.result).toMatchObject({ openids: 250, converted: 250, failed: 0, fromAppidSent: OLD_GH });

    const events = await conversions();
    expect(events).toHaveLength(250);
    expect(new Set(events.map((e) => e.data.fromOpenid)).size).toBe(250);
    const byOld = new Map(events.map((e) => [e.data.fromOpenid, e]));
    expect(byOld.get(oldOpenid(7))?.data).toEqual({ fromAppid: OLD_OA, fromOpenid: oldOpenid(7), toAppid: NEW_OA, toOpenid: newOpenid(7) });
    expect(events.every((e) => e.meta.source === 'conversion' && e.meta.correlationId === job.id)).toBe(true);

    // The projections move the identity to the new account, following as before.
    await h.projections.waitFor(await h.service.ledger.head());
    const moved = await getUser(h.service.storage.db, NEW_OA, newOpenid(7));
    expect(moved?.convertedFrom).toEqual({ appid: OLD_OA, openid: oldOpenid(7) });
    expect(moved?.follow?.subscribed).toBe(true);
  });

  it('a later job skips openids already converted; --all and a captured list add the rest, refusals keep their reason', async () => {
    const extra = [oldOpenid(290), oldOpenid(291), oldOpenid(7)]; // two followers the ledger never saw, one already converted
    const { job } = await requestConversion(h.service, { fromAppid: OLD_GH, toAppid: NEW_OA, all: true, openids: [...extra, '', oldOpenid(290)] });
    const done = await h.settled(job.id);
    expect({ status: done.status, error: done.error }).toEqual({ status: 'done', error: null });
    // The 10 who unfollowed the old account cannot be converted: "ori_openid error".
    expect(done.result).toMatchObject({ fromList: 3, fromLedger: 259, alreadyConverted: 250, openids: 12, converted: 2, failed: 10, reasons: { 'ori_openid error': 10 } });
    const ofJob = (await conversions()).filter((e) => e.meta.correlationId === job.id);
    expect(ofJob.filter((e) => e.type === 'openid.conversion_failed').map((e) => e.data.fromOpenid).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => oldOpenid(250 + i)).sort(),
    );
    expect(ofJob.find((e) => e.data.fromOpenid === oldOpenid(250))?.data).toMatchObject({ reason: 'ori_openid error' });
  });

  it('with backfill, queues a unionid backfill of the new account when done', async () => {
    const { job } = await requestConversion(h.service, { fromAppid: OLD_OA, toAppid: NEW_OA, openids: [oldOpenid(295)], backfill: true });
    const done = await h.settled(job.id);
    expect(done.result).toMatchObject({ converted: 1 });
    const backfill = await h.settled(done.result!.backfillJobId as string);
    expect(backfill.kind).toBe('unionid-backfill');
    expect(backfill.status).toBe('done');
  });
  // Last: the main instance's WeChat client keeps its quota circuit open for minutes after a 45009.
  it('pauses on 45009 with a clear status; a resume after the quota reset converts the rest exactly once', async () => {
    const captured = Array.from({ length: 300 }, (_, i) => oldOpenid(300 + i));
    h.simulator.state.setFaults({ quotas: [{ api: 'changeopenid', perDay: 2 }] });
    const { job } = await requestConversion(h.service, { fromAppid: OLD_OA, toAppid: NEW_OA, openids: captured });
    const paused = await h.settled(job.id);
    expect(paused.status).toBe('paused');
    expect(paused.error?.code).toBe('wechat_quota_exhausted');
    expect(paused.error?.message).toMatch(/45009.*resume/);
    expect(paused.resumeAt).not.toBeNull();
    const ofJob = async () => (await conversions()).filter((e) => e.meta.correlationId === job.id);
    const partial = await ofJob();
    expect(partial.length).toBeGreaterThanOrEqual(100);
    expect(partial.length).toBeLessThan(300);

    // The quota resets; another instance (its WeChat client has no open quota circuit) resumes.
    // This instance's runner stops first, or it would take the requeued job and pause again.
    await h.stopRunner();
    h.simulator.state.setFaults({ quotas: [] });
    const other = await h.anotherService();
    await requeueJob(other.storage, job.id);
    const done = await runJobHere(other, { jobId: job.id, projections: h.projections, settings: TEST_SETTINGS });
    expect({ status: done.status, error: done.error }).toEqual({ status: 'done', error: null });
    expect(done.result).toMatchObject({ openids: 300, converted: 300, failed: 0 });
    const events = await ofJob();
    expect(events).toHaveLength(300);
    expect(new Set(events.map((e) => e.data.fromOpenid))).toEqual(new Set(captured));
  });
});
