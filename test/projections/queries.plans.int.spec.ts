import { sql, type RawBuilder } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getFollowStatusQuery } from '../../projections/query/getFollowStatus.ts';
import { getUnionidQuery } from '../../projections/query/getUnionid.ts';
import { getUserQuery } from '../../projections/query/getUser.ts';
import { listFollowersQuery } from '../../projections/query/listFollowers.ts';
import { activeTableName } from '../../projections/store/activeTable.ts';
import { MAX_BATCH } from '../../projections/store/lookupBatch.ts';
import { MP, OA } from './eventBuilder.ts';
import { appendAll, peopleEvents } from './support/backlog.ts';
import { startHarness, type Harness } from './support/projectionHarness.ts';

/** The plan's node types and index names, without costs: what the query is pinned to. */
async function planOf(h: Harness, query: RawBuilder<unknown>): Promise<string> {
  const { rows } = await sql<{ 'QUERY PLAN': string }>`explain (costs off) ${query}`.execute(h.storage.db);
  return rows.map((r) => r['QUERY PLAN']).join('\n');
}

/**
 * The plan with its parameters bound (what the first calls run), and the generic plan a named
 * prepared statement settles on after five calls (what the service runs from then on; PostgreSQL
 * 15 has no EXPLAIN (GENERIC_PLAN), so: PREPARE, force_generic_plan, EXPLAIN EXECUTE).
 */
async function plansOf(h: Harness, query: RawBuilder<unknown>): Promise<string[]> {
  const compiled = query.compile(h.storage.db);
  const literal = (value: unknown) => (value === null ? 'null' : `'${String(value).replace(/'/g, "''")}'`);
  const generic = await h.storage.db.connection().execute(async (connection) => {
    await sql`${sql.raw(`prepare plan_probe as ${compiled.sql}`)}`.execute(connection);
    try {
      await sql`set plan_cache_mode = force_generic_plan`.execute(connection);
      const { rows } = await sql<{ 'QUERY PLAN': string }>`${sql.raw(`explain (costs off) execute plan_probe(${compiled.parameters.map(literal).join(', ')})`)}`.execute(connection);
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    } finally {
      await sql`reset plan_cache_mode`.execute(connection);
      await sql`deallocate plan_probe`.execute(connection);
    }
  });
  return [await planOf(h, query), generic];
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

  // Each lookup runs as a statement of 1, 2, 4, 8 or 16 keys (lookupBatch.ts): every size must
  // keep the plan, bound and generic.
  const sizes = [1, 2, 4, 8, MAX_BATCH];

  it.each(sizes)('getUser, %i keys: primary-key probes on both tables, the unionid index for linked accounts', async (size) => {
    const keys = Array.from({ length: size }, (_, i) => [OA, `plan-oa-${i * 97}`]).flat();
    for (const plan of await plansOf(h, getUserQuery(identity, follow, keys))) {
      expect(plan).toContain(`Index Scan using ${identity}_pkey on ${identity} i`);
      expect(plan).toContain(`Index Scan using ${follow}_pkey on ${follow} f`);
      expect(plan).toMatch(new RegExp(`(Bitmap Index Scan on|Index Scan using) ${identity}_unionid`));
      expect(plan).not.toContain('Seq Scan');
    }
  });

  it.each(sizes)('getUnionid, %i keys: the unionid index', async (size) => {
    for (const plan of await plansOf(h, getUnionidQuery(identity, follow, Array.from({ length: size }, (_, i) => `plan-u-${i * 97}`)))) {
      expect(plan).toMatch(new RegExp(`(Bitmap Index|Index) Scan (using|on) ${identity}_unionid`));
      expect(plan).not.toContain('Seq Scan');
    }
  });

  it.each(sizes)('getFollowStatus, %i keys: the unionid index (given, or the primary key for the mini program user), then the primary key', async (size) => {
    const byUnionid = Array.from({ length: size }, (_, i) => [OA, `plan-u-${i * 97}`]).flat();
    const via = Array.from({ length: size }, (_, i) => [OA, MP, `plan-mp-${i * 97}`]).flat();
    for (const [by, keys] of [['unionid', byUnionid], ['via', via]] as const) {
      for (const plan of await plansOf(h, getFollowStatusQuery(identity, follow, by, keys))) {
        expect(plan).toMatch(new RegExp(`(Bitmap Index|Index) Scan (using|on) ${identity}_unionid`));
        expect(plan).toContain(`Index Scan using ${follow}_pkey on ${follow} f`);
        if (by === 'via') expect(plan).toContain(`Index Scan using ${identity}_pkey on ${identity} v`);
        expect(plan).not.toContain('Seq Scan');
      }
    }
  });

  it('listFollowers: a range scan of the partial followers index, in openid order, no sort', async () => {
    const plan = await planOf(h, listFollowersQuery(identity, follow, OA, 'plan-oa-2000', 100));
    expect(plan).toMatch(new RegExp(`Index (Only )?Scan using ${follow}_followers on ${follow} f`));
    expect(plan).not.toContain('Sort');
    expect(plan).not.toContain('Seq Scan');
  });
});
