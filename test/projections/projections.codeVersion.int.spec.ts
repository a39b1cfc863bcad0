import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProjectionRunner } from '../../projections/projectionRunner.ts';
import { dailyStats } from '../../projections/dailyStats/index.ts';
import { followState } from '../../projections/followState/index.ts';
import { identityLinks } from '../../projections/identityLinks/index.ts';
import { getUser } from '../../projections/query/getUser.ts';
import { verifyProjections } from '../../projections/verifyProjections.ts';
import { configuredAccounts as ctx } from './context.ts';
import { OA } from './eventBuilder.ts';
import { appendAll, peopleEvents } from './support/backlog.ts';
import { startHarness, type Harness } from './support/projectionHarness.ts';
import { until } from '../support/until.ts';

describe('a new codeVersion of a projection (PostgreSQL)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('postgres');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('rebuilds that projection by itself at start, keeps serving the old version meanwhile, and leaves the other alone', async () => {
    const head = await appendAll(h.ledger, peopleEvents(500, 'code'));
    await h.runner.waitFor(head);
    const before = await getUser(h.storage.db, OA, 'code-oa-10');
    await h.runner.stop();

    const followStateV2 = { ...followState, codeVersion: 2 };
    const switched: string[] = [];
    const runner = createProjectionRunner({
      ledger: h.ledger,
      ctx,
      projections: [identityLinks, followStateV2],
      onSwitched: (v) => switched.push(`${v.name} v${v.version}`),
    }).start();
    try {
      await until(
        async () => {
          expect(await getUser(h.storage.db, OA, 'code-oa-10')).toEqual(before); // still served by v1
          return switched.length > 0;
        },
        20_000,
        'the switch',
        5,
      );
      expect(switched).toEqual(['follow-state v2']);
      const { rows } = await sql<{ name: string; version: number; code_version: number; status: string }>`
        select name, version, code_version, status from projection_versions order by name, version`.execute(h.storage.db);
      expect(rows).toEqual([
        { name: 'daily-stats', version: 1, code_version: dailyStats.codeVersion, status: 'active' },
        { name: 'follow-state', version: 1, code_version: 1, status: 'retired' },
        { name: 'follow-state', version: 2, code_version: 2, status: 'active' },
        { name: 'identity-links', version: 1, code_version: identityLinks.codeVersion, status: 'active' },
      ]);
      expect(runner.status().map((s) => [s.name, s.version, s.codeVersion, s.checkpoint])).toEqual([
        ['identity-links', 1, identityLinks.codeVersion, head],
        ['follow-state', 2, 2, head],
      ]);
      expect(await getUser(h.storage.db, OA, 'code-oa-10')).toEqual(before);
      const verified = await verifyProjections(h.ledger, ctx, [identityLinks, followStateV2]);
      expect(verified.every((v) => v.ok)).toBe(true);
    } finally {
      await runner.stop();
    }
  });
});
