import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestConversion } from '../../src/jobs/requestConversion.ts';
import { requestReconciliation } from '../../src/jobs/requestReconciliation.ts';
import { requestUnionidBackfill } from '../../src/jobs/requestUnionidBackfill.ts';
import { followPush, NEW_OA, OLD_GH, OLD_OA, startJobsHarness, type JobsHarness } from './support/jobsHarness.ts';

/** `npm start` with nothing configured runs on PGlite: the jobs must work there too. */
describe('jobs on the embedded database (PGlite)', () => {
  let h: JobsHarness;
  beforeAll(async () => {
    h = await startJobsHarness({
      embedded: true,
      accounts: [
        { appid: OLD_OA, kind: 'oa', followers: 120, originalId: OLD_GH },
        { appid: NEW_OA, kind: 'oa', followers: 0, migratedFrom: { appid: OLD_OA, migratedAt: new Date(Date.now() - 86_400_000).toISOString() } },
      ],
    });
    await h.append(followPush(OLD_OA, 'oGoneSinceLongAgo000000000000', 'subscribe', new Date(Date.now() - 86_400_000)));
  });
  afterAll(async () => {
    await h?.close();
  });

  it('reconciles, backfills and converts', async () => {
    const reconciled = await h.settled((await requestReconciliation(h.service, OLD_OA)).job.id);
    expect(reconciled).toMatchObject({ status: 'done', result: { followers: 120, added: 120, removed: 1 } });
    const backfilled = await h.settled((await requestUnionidBackfill(h.service, OLD_OA)).job.id);
    expect(backfilled).toMatchObject({ status: 'done', result: { openids: 1, resolved: 0, unresolved: 1 } });
    const converted = await h.settled((await requestConversion(h.service, { fromAppid: OLD_OA, toAppid: NEW_OA })).job.id);
    expect(converted).toMatchObject({ status: 'done', result: { openids: 120, converted: 120, failed: 0 } });
    expect(await h.events({ type: 'openid.converted' })).toHaveLength(120);
  });
});
