import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeTableName } from '../../projections/store/activeTable.ts';
import { eraseIdentities } from '../../src/erasure/eraseIdentities.ts';
import { requestReconciliation } from '../../src/jobs/requestReconciliation.ts';
import { getJob } from '../../src/jobs/store/readJobs.ts';
import { followPush, OA, MP, startJobsHarness, type JobsHarness } from '../jobs/support/jobsHarness.ts';
import { until } from '../support/until.ts';

/**
 * Jobs respect erasures: a reconciliation whose snapshot predates an erasure does not bring the
 * person back, while a person still in WeChat's list after an erasure is a follower again — a
 * new subject, with a key of its own.
 */
describe('reconciliation after and during erasures', () => {
  let h: JobsHarness;
  const openid = (person: number) => h.simulator.state.openidOf(OA, person);
  const hourAgo = new Date(Date.now() - 3_600_000);

  beforeAll(async () => {
    h = await startJobsHarness({ accounts: [{ appid: OA, kind: 'oa', followers: 20 }, { appid: MP, kind: 'mp' }] });
    await h.append(...Array.from({ length: 20 }, (_, p) => followPush(OA, openid(p), 'subscribe', hourAgo)));
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

  it('erased before the pass and still in the list: followed again as a new subject; erased during the pass: stays forgotten', async () => {
    const first = await eraseIdentities(h.service.ledger, { appid: OA, openid: openid(3) }, { reason: 'request', recordAlways: true });
    expect(await followers()).not.toContain(openid(3));
    // A pass's start is WeChat-grained (whole seconds), and a fact in the erasure's own second
    // counts as before it: the pass that re-adds the person starts in a later second.
    const nextSecond = Math.floor(Date.parse(first!.erasedAt) / 1000) * 1000 + 1000;
    await until(() => Date.now() >= nextSecond, 2000, 'the next second');

    // A slow listing, so the second erasure lands after the pass took its snapshot's start time.
    h.simulator.state.setFaults({ latency: { ms: 400, apis: ['user/get'] } });
    const { job } = await requestReconciliation(h.service, OA);
    await until(async () => (await getJob(h.service.storage.db, job.id))?.phase === 'listing', 30_000, 'the pass to start listing');
    await h.append(followPush(OA, openid(5), 'unsubscribe', new Date()));
    await eraseIdentities(h.service.ledger, { appid: OA, openid: openid(5) }, { reason: 'unsubscribe' });
    h.simulator.state.clearFaults();
    const done = await h.settled(job.id);
    expect(done.status).toBe('done');

    const now = await followers();
    expect(now).toContain(openid(3));
    expect(now).not.toContain(openid(5));
    // Looked up by openid, only what still opens: nothing of #5, #3's new subject only.
    expect(await h.events({ appid: OA, openid: openid(5) })).toEqual([]);
    const three = await h.events({ appid: OA, openid: openid(3) });
    expect(three.map((e) => [e.type, e.meta.source, e.meta.correlationId])).toEqual([
      ['follow.subscribed', 'reconciliation', job.id],
      ['unionid.resolved', 'reconciliation', job.id],
    ]);
    expect(three[0]!.erased).toBeUndefined();
    expect((await h.service.ledger.verify()).ok).toBe(true);
  });
});
