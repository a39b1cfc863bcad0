import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getUnionid } from '../../projections/query/getUnionid.ts';
import { getUser } from '../../projections/query/getUser.ts';
import type { UnionidView, UserView } from '../../projections/query/userView.ts';
import { ProjectionVersions } from '../../projections/store/projectionVersions.ts';
import { verifyProjections } from '../../projections/verifyProjections.ts';
import { configuredAccounts as ctx } from './context.ts';
import { MP, OA } from './eventBuilder.ts';
import { appendAll, peopleEvents } from './support/backlog.ts';
import { startHarness, type Harness } from './support/projectionHarness.ts';
import { until } from '../support/until.ts';

describe('blue/green rebuild under query load (PostgreSQL)', () => {
  let h: Harness;
  beforeAll(async () => {
    // Retired tables are dropped half a second after the switch, while the queries still run.
    h = await startHarness('postgres', { dropRetiredAfterMs: 500, rebuildBatchSize: 1000 });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('serves every query, without a missing row, while both projections are rebuilt and switched', async () => {
    const head = await appendAll(h.ledger, peopleEvents(3000, 'load'));
    await h.runner.waitFor(head);
    const db = h.storage.db;
    const users = Array.from({ length: 3000 }, (_, i) => [i % 2 ? OA : MP, `load-${i % 2 ? 'oa' : 'mp'}-${i}`] as const);
    const unionids = Array.from({ length: 3000 }, (_, i) => `load-u-${i}`);
    const expectedUsers = new Map<string, UserView | null>();
    for (const [appid, openid] of users) expectedUsers.set(`${appid}/${openid}`, await getUser(db, appid, openid));
    const expectedUnionids = new Map<string, UnionidView | null>();
    for (const unionid of unionids) expectedUnionids.set(unionid, await getUnionid(db, unionid));
    expect([...expectedUsers.values()].every((u) => u !== null)).toBe(true);

    let stop = false;
    let queries = 0;
    const failures: string[] = [];
    const hammer = async (worker: number) => {
      for (let i = worker; !stop; i += 7) {
        try {
          const [appid, openid] = users[i % users.length]!;
          const user = await getUser(db, appid, openid);
          if (JSON.stringify(user) !== JSON.stringify(expectedUsers.get(`${appid}/${openid}`))) failures.push(`user ${appid}/${openid}: ${JSON.stringify(user)}`);
          const unionid = unionids[i % unionids.length]!;
          const view = await getUnionid(db, unionid);
          if (JSON.stringify(view) !== JSON.stringify(expectedUnionids.get(unionid))) failures.push(`unionid ${unionid}: ${JSON.stringify(view)}`);
          queries += 2;
        } catch (error) {
          failures.push(String(error));
        }
      }
    };
    const hammers = Array.from({ length: 6 }, (_, worker) => hammer(worker));

    // New users keep arriving during the rebuild: the live projections apply them to the old tables,
    // the build catches up with them before the switch.
    const arrivals = (async () => {
      let last = head;
      for (let round = 0; round < 10 && !stop; round++) {
        last = await appendAll(h.ledger, peopleEvents(100, `late${round}`));
        // Deliberate spacing, not a wait: spreads the arrivals over the rebuild, before and after the build catches up.
        await new Promise((r) => setTimeout(r, 20));
      }
      return last;
    })();
    const rebuilt = await Promise.all([h.runner.rebuild('follow-state'), h.runner.rebuild('identity-links')]);
    const lastArrival = await arrivals;
    expect(rebuilt).toEqual([
      { name: 'follow-state', version: 2 },
      { name: 'identity-links', version: 2 },
    ]);
    // Keep querying past the drop of the retired tables.
    const dropped = async () => {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from projection_versions where status = 'retired' and dropped_at is not null`.execute(db);
      return rows[0]!.n;
    };
    await until(async () => (await dropped()) >= 2, 20_000, 'both retired tables to be dropped', 50);
    const queriedBeforeDrop = queries;
    await until(() => queries >= queriedBeforeDrop + 50 || failures.length > 0, 20_000, 'queries after the drop');
    stop = true;
    await Promise.all(hammers);

    expect(failures).toEqual([]);
    expect(queries).toBeGreaterThan(200);
    expect(await dropped()).toBe(2);
    const { rows: tables } = await sql<{ name: string }>`select tablename as name from pg_tables where tablename like 'proj\\_%' order by 1`.execute(db);
    expect(tables.map((t) => t.name)).toEqual(['proj_daily_stats_v1', 'proj_follow_state_v2', 'proj_identity_links_v2']);

    await h.runner.waitFor(lastArrival);
    for (const name of ['identity-links', 'follow-state'] as const) {
      const { active, building } = await ProjectionVersions.current(db, name);
      expect({ version: active?.version, building }).toEqual({ version: 2, building: null });
    }
    expect(await getUser(db, OA, 'late9-oa-1')).not.toBeNull();
    const verified = await verifyProjections(h.ledger, ctx);
    expect(verified.map((v) => [v.name, v.version, v.ok])).toEqual([['identity-links', 2, true], ['follow-state', 2, true], ['daily-stats', 1, true]]);
  });
});
