import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeTableName } from '../../projections/store/activeTable.ts';
import { requestReconciliation } from '../../src/jobs/requestReconciliation.ts';
import { followPush, OA, MP, startJobsHarness, type JobsHarness } from './support/jobsHarness.ts';

describe('reconciliation: the follow state drifted both ways; one pass fixes it', () => {
  let h: JobsHarness;
  const openid = (person: number) => h.simulator.state.openidOf(OA, person);
  const dayAgo = new Date(Date.now() - 86_400_000);

  beforeAll(async () => {
    h = await startJobsHarness({ accounts: [{ appid: OA, kind: 'oa', followers: 50 }, { appid: MP, kind: 'mp' }] });
    // Pushes we got: persons 0…39 followed. Lost: 40…49 followed, 100…104 unfollowed, and person 0's re-follow.
    await h.append(
      ...Array.from({ length: 40 }, (_, p) => followPush(OA, openid(p), 'subscribe', dayAgo)),
      ...[100, 101, 102, 103, 104].map((p) => followPush(OA, openid(p), 'subscribe', dayAgo)),
      followPush(OA, openid(0), 'unsubscribe', new Date(dayAgo.getTime() + 60_000)),
    );
  });
  afterAll(async () => {
    await h?.close();
  });

  async function followers(): Promise<string[]> {
    await h.projections.waitFor(await h.service.ledger.head());
    const table = await activeTableName(h.service.storage.db, 'follow-state');
    const rows = await sql<{ openid: string }>`select openid from ${sql.table(table)} where appid = ${OA} and subscribed order by openid`.execute(h.service.storage.db);
    return rows.rows.map((row) => row.openid);
  }

  it('appends the missing subscribes and unsubscribes at the pass start, unionids of new followers, and reconciliation.completed', async () => {
    const { job } = await requestReconciliation(h.service, OA);
    const done = await h.settled(job.id);
    expect({ status: done.status, error: done.error }).toEqual({ status: 'done', error: null });
    expect(done.result).toMatchObject({ followers: 50, added: 11, removed: 5, unionidsResolved: 11, unionidsMissing: 0 });
    const startedAt = done.result!.startedAt as string;

    const mine = await h.events({ appid: OA });
    const ofJob = mine.filter((e) => e.meta.correlationId === job.id);
    const subscribed = ofJob.filter((e) => e.type === 'follow.subscribed');
    const unsubscribed = ofJob.filter((e) => e.type === 'follow.unsubscribed');
    expect(subscribed.map((e) => e.data.openid).sort()).toEqual([0, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49].map(openid).sort());
    expect(unsubscribed.map((e) => e.data.openid).sort()).toEqual([100, 101, 102, 103, 104].map(openid).sort());
    for (const event of [...subscribed, ...unsubscribed]) {
      expect(event.meta.source).toBe('reconciliation');
      expect(event.occurredAt).toBe(startedAt);
    }
    const resolved = ofJob.filter((e) => e.type === 'unionid.resolved');
    expect(resolved).toHaveLength(11);
    expect(resolved.find((e) => e.data.openid === openid(45))?.data).toEqual({
      appid: OA, openid: openid(45), unionid: h.simulator.state.unionidOf(OA, 45), via: 'batchget',
    });
    const completed = ofJob.filter((e) => e.type === 'reconciliation.completed');
    expect(completed.map((e) => e.data)).toEqual([{ appid: OA, followers: 50, added: 11, removed: 5, startedAt }]);
    // The completed event comes after every correction.
    expect(Math.max(...[...subscribed, ...unsubscribed, ...resolved].map((e) => e.position))).toBeLessThan(completed[0]!.position);

    expect(await followers()).toEqual(Array.from({ length: 50 }, (_, p) => openid(p)).sort());
  });

  it('a second pass finds nothing to correct and appends only its completed event', async () => {
    const before = await h.service.ledger.head();
    const { job } = await requestReconciliation(h.service, OA);
    const done = await h.settled(job.id);
    expect(done.result).toMatchObject({ followers: 50, added: 0, removed: 0 });
    const after = await h.events({ appid: OA });
    expect(after.filter((e) => e.position > before).map((e) => e.type)).toEqual(['reconciliation.completed']);
  });

  it('follows WeChat when people come and go between passes', async () => {
    h.simulator.state.unfollow(OA, openid(7));
    h.simulator.state.follow(OA, openid(200));
    const { job } = await requestReconciliation(h.service, OA);
    const done = await h.settled(job.id);
    expect(done.result).toMatchObject({ followers: 50, added: 1, removed: 1 });
    const now = await followers();
    expect(now).toContain(openid(200));
    expect(now).not.toContain(openid(7));
  });

  it('a push sent during the pass wins even when it arrives after the pass appended its correction', async () => {
    h.simulator.state.unfollow(OA, openid(9));
    const { job } = await requestReconciliation(h.service, OA);
    const done = await h.settled(job.id);
    expect(done.result).toMatchObject({ removed: 1 });
    expect(await followers()).not.toContain(openid(9));
    // WeChat's retry of a subscribe sent one second into the pass comes in late.
    const startedAt = Date.parse(done.result!.startedAt as string);
    await h.append(followPush(OA, openid(9), 'subscribe', new Date(startedAt + 1000)));
    expect(await followers()).toContain(openid(9));
    h.simulator.state.follow(OA, openid(9));
  });

  it('retries transient WeChat failures (system busy beyond the client\'s own retries) with backoff', async () => {
    h.simulator.state.unfollow(OA, openid(8));
    h.simulator.state.failNext('user/get', -1, 6);
    h.simulator.state.failNext('user/info/batchget', -1, 5);
    const { job } = await requestReconciliation(h.service, OA);
    const done = await h.settled(job.id);
    expect({ status: done.status, error: done.error }).toEqual({ status: 'done', error: null });
    expect(done.result).toMatchObject({ removed: 1 });
  });

  it('refuses an account that is not an Official Account, an unknown one, and a second job while one is unfinished', async () => {
    await expect(requestReconciliation(h.service, MP)).rejects.toMatchObject({ code: 'not_an_official_account', status: 400 });
    await expect(requestReconciliation(h.service, 'wxnobody')).rejects.toMatchObject({ code: 'unknown_appid', status: 404 });
    h.simulator.state.setFaults({ latency: { ms: 300, apis: ['user/get'] } });
    try {
      const { job } = await requestReconciliation(h.service, OA);
      await expect(requestReconciliation(h.service, OA)).rejects.toMatchObject({ code: 'job_already_running', status: 409, existingJobId: job.id });
      expect((await h.settled(job.id)).status).toBe('done');
    } finally {
      h.simulator.state.clearFaults();
    }
  });
});
