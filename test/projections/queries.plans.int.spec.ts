import { sql, type RawBuilder } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getFollowStatusQuery } from '../../projections/query/getFollowStatus.ts';
import { getUnionidQuery } from '../../projections/query/getUnionid.ts';
import { getUserQuery } from '../../projections/query/getUser.ts';
import { listFollowersQuery } from '../../projections/query/listFollowers.ts';
import { activeTableName } from '../../projections/store/activeTable.ts';
import { MP, OA } from './eventBuilder.ts';
import { appendAll, peopleEvents } from './support/backlog.ts';
import { startHarness, type Harness } from './support/projectionHarness.ts';

/** The plan's node types and index names, without costs: what the query is pinned to. */
async function planOf(h: Harness, query: RawBuilder<unknown>): Promise<string> {
  const { rows } = await sql<{ 'QUERY PLAN': string }>`explain (costs off) ${query}`.execute(h.storage.db);
  return rows.map((r) => r['QUERY PLAN']).join('\n');
}

// The hot queries (DESIGN.md §6: p99 ≤ 5 ms at 2k requests/s) must stay index lookups as the
// tables grow: a plan change here is a performance regression.
describe('query plans of the hot queries (PostgreSQL)', () => {
  let h: Harness;
  let identity: string;
  let follow: string;
  beforeAll(async () => {
    h = await startHarness('postgres');
    await h.runner.waitFor(await appendAll(h.ledger, peopleEvents(4000, 'plan')));
    identity = await activeTableName(h.storage.db, 'identity-links');
    follow = await activeTableName(h.storage.db, 'follow-state');
    await sql`analyze ${sql.table(identity)}`.execute(h.storage.db);
    await sql`analyze ${sql.table(follow)}`.execute(h.storage.db);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('getUser: primary-key probes on both tables, the unionid index for linked accounts', async () => {
    const plan = await planOf(h, getUserQuery(identity, follow, OA, 'plan-oa-7'));
    expect(plan).toContain(`Index Scan using ${identity}_pkey on ${identity} i`);
    expect(plan).toContain(`Index Scan using ${follow}_pkey on ${follow} f`);
    expect(plan).toMatch(new RegExp(`(Bitmap Index Scan on|Index Scan using) ${identity}_unionid`));
    expect(plan).not.toContain('Seq Scan');
  });

  it('getUnionid: the unionid index', async () => {
    const plan = await planOf(h, getUnionidQuery(identity, follow, 'plan-u-7'));
    expect(plan).toMatch(new RegExp(`(Bitmap Index|Index) Scan (using|on) ${identity}_unionid`));
    expect(plan).not.toContain('Seq Scan');
  });

  it('getFollowStatus: the unionid index (given, or the primary key for the mini program user), then the primary key', async () => {
    for (const query of [{ appid: OA, unionid: 'plan-u-7' }, { appid: OA, viaAppid: MP, viaOpenid: 'plan-mp-7' }]) {
      const plan = await planOf(h, getFollowStatusQuery(identity, follow, query));
      expect(plan).toMatch(new RegExp(`(Bitmap Index|Index) Scan (using|on) ${identity}_unionid`));
      expect(plan).toContain(`Index Scan using ${follow}_pkey on ${follow} f`);
      if ('viaAppid' in query) expect(plan).toContain(`Index Scan using ${identity}_pkey on ${identity} v`);
      expect(plan).not.toContain('Seq Scan');
    }
  });

  it('listFollowers: a range scan of the partial followers index, in openid order, no sort', async () => {
    const plan = await planOf(h, listFollowersQuery(identity, follow, OA, 'plan-oa-2000', 100));
    expect(plan).toMatch(new RegExp(`Index (Only )?Scan using ${follow}_followers on ${follow} f`));
    expect(plan).not.toContain('Sort');
    expect(plan).not.toContain('Seq Scan');
  });
});
