import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unionidResolved } from '../../src/commands/unionidResolved.ts';
import type { LedgerEvent } from '../../src/ledger/events.ts';
import { requestUnionidBackfill } from '../../src/jobs/requestUnionidBackfill.ts';
import { claimJob } from '../../src/jobs/store/claimJob.ts';
import { followPush, MP, OA, startJobsHarness, type JobsHarness } from './support/jobsHarness.ts';

describe('unionid backfill', () => {
  let h: JobsHarness;
  const openid = (person: number) => h.simulator.state.openidOf(OA, person);
  const unionid = (person: number) => h.simulator.state.unionidOf(OA, person);
  const STRANGER = 'oStrangerNobodyKnows0000000';

  beforeAll(async () => {
    h = await startJobsHarness({ accounts: [{ appid: OA, kind: 'oa', followers: 300 }, { appid: MP, kind: 'mp' }] });
    const at = new Date(Date.now() - 86_400_000);
    // 250 followers known without a unionid, 5 with one; one openid WeChat never made; person 260 unfollowed since.
    await h.append(
      ...Array.from({ length: 255 }, (_, p) => followPush(OA, openid(p), 'subscribe', at)),
      ...[0, 1, 2, 3, 4].map((p) => unionidResolved('webhook', { appid: OA, openid: openid(p), unionid: unionid(p), via: 'user_info' })),
      followPush(OA, STRANGER, 'subscribe', at),
      followPush(OA, openid(260), 'subscribe', at),
    );
    h.simulator.state.unfollow(OA, openid(260));
  });
  afterAll(async () => {
    await h?.close();
  });

  it('asks batchget for every openid without a unionid; an unknown openid does not sink its batch', async () => {
    const { job } = await requestUnionidBackfill(h.service, OA);
    const done = await h.settled(job.id);
    expect({ status: done.status, error: done.error }).toEqual({ status: 'done', error: null });
    // 250 known followers + the stranger + person 260 (not following: WeChat gives no unionid).
    expect(done.result).toEqual({ openids: 252, resolved: 250, unresolved: 2 });
    const resolved = (await h.events({ type: 'unionid.resolved' })).filter((e) => e.meta.correlationId === job.id) as LedgerEvent<'unionid.resolved'>[];
    expect(resolved).toHaveLength(250);
    expect(resolved.every((e) => e.meta.source === 'backfill' && e.data.via === 'batchget')).toBe(true);
    expect(resolved.find((e) => e.data.openid === openid(100))?.data).toEqual({ appid: OA, openid: openid(100), unionid: unionid(100), via: 'batchget' });
  });

  it('a second backfill finds only what is still unresolved and appends nothing', async () => {
    const before = await h.service.ledger.head();
    const { job } = await requestUnionidBackfill(h.service, OA);
    const done = await h.settled(job.id);
    expect(done.result).toEqual({ openids: 2, resolved: 0, unresolved: 2 });
    expect(await h.service.ledger.head()).toBe(before);
  });

  it('refuses a mini program (batchget is an Official Account API)', async () => {
    await expect(requestUnionidBackfill(h.service, MP)).rejects.toMatchObject({ code: 'not_an_official_account' });
  });

  // Last: the WeChat client keeps its quota circuit open for minutes after a 45009.
  it('pauses on 45009 instead of burning the quota', async () => {
    await h.append(...Array.from({ length: 20 }, (_, i) => followPush(OA, openid(270 + i), 'subscribe', new Date())));
    h.simulator.state.failNext('user/info/batchget', 45009, 1);
    const { job } = await requestUnionidBackfill(h.service, OA);
    const paused = await h.settled(job.id);
    expect(paused.status).toBe('paused');
    expect(paused.error).toMatchObject({ code: 'wechat_quota_exhausted' });
    expect(Date.parse(paused.resumeAt!)).toBeGreaterThan(Date.now());
    expect(h.simulator.state.callCount('user/info/batchget', OA)).toBeGreaterThan(0);
    const calls = h.simulator.state.callCount('user/info/batchget', OA);
    // No runner can take it up before the quota resets: the claim every runner makes refuses it.
    expect(await claimJob(h.service.storage.db, job.id, 'a-runner-polling-now', 1000)).toBeNull();
    expect(h.simulator.state.callCount('user/info/batchget', OA)).toBe(calls);
  });
});
