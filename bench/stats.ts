import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { sql } from 'kysely';
import { migrateToLatest } from '../src/ledger/migrate.ts';
import { openStorage } from '../src/ledger/openStorage.ts';
import { dailyStats } from '../projections/dailyStats/index.ts';
import { addDays } from '../projections/dailyStats/statsDay.ts';
import { getDailyStats } from '../projections/query/getDailyStats.ts';
import { getSceneStats } from '../projections/query/getSceneStats.ts';
import { ProjectionVersions } from '../projections/store/projectionVersions.ts';
import { benchFlags } from './benchFlags.ts';
import { createBenchDatabase, ADMIN_URL } from './benchDatabase.ts';
import { machineInfo } from './machineInfo.ts';
import { printTable } from './printTable.ts';

const APPID = 'wxbench00000000oa1';

/**
 * The dashboard's routes over an account of `followers` followers (default 1M) and `days` days
 * of history: the daily-stats table is generated in SQL (one attribution row per follower, the
 * day rows, `scenes` scene rows per day, a reconciliation run a week) — not folded from events,
 * which `rebuild` measures. Then, per query, `repeat` sequential calls, median and p99:
 *  - the query functions the routes call (`getDailyStats`, `getSceneStats`), 30 and 365 days;
 *  - the peer: the same SQL through a prepared `pg` statement (what the function adds is the day
 *    filling and the JSON);
 *  - the scan the projection avoids: the same new-per-day counts computed from the followers' rows.
 *
 *   npm run bench -- stats [--followers=1000000] [--days=730] [--scenes=50] [--repeat=50]
 */
export async function main(args: string[]): Promise<void> {
  const flags = benchFlags(args);
  const followers = flags.number('followers', 1_000_000);
  const days = flags.number('days', 730);
  const scenes = flags.number('scenes', 50);
  const repeat = flags.number('repeat', 50);
  console.log(`stats: ${await machineInfo(ADMIN_URL)}; load average ${loadavg()[0]!.toFixed(1)} at start`);
  console.log(`${followers.toLocaleString('en-US')} followers, ${days} days, ${scenes} scenes a day, ${repeat} calls per row\n`);
  const database = await createBenchDatabase('bench_stats');
  const storage = await openStorage({ databaseUrl: database.url });
  const client = new pg.Client({ connectionString: database.url });
  try {
    await migrateToLatest(storage.db);
    const version = await ProjectionVersions.createActive(storage.db, 'daily-stats', dailyStats.codeVersion);
    const table = sql.table(version.table);
    const to = '2026-11-30';
    const first = addDays(to, -(days - 1));
    const started = performance.now();
    await sql`
      insert into ${table} (appid, key, kind, detail)
      select ${APPID}::text, 'f:user-' || ${APPID}::text || '-' || lpad(to_hex(n), 32, '0'), 'follower',
             jsonb_build_object('subscribed', n % 5 <> 0, 'decidedAt', '2026-01-01T00:00:00.000Z', 'decidedPosition', n,
               'cohorts', jsonb_build_array(jsonb_build_object('day', to_char(${first}::text::date + (n % ${days}::int), 'YYYY-MM-DD'), 'bucket', 'scene', 'scene', 'scene-' || (n % ${scenes}::int), 'lost', n % 5 = 0)))
      from generate_series(1, ${followers}::int) n`.execute(storage.db);
    const perDay = Math.round(followers / days);
    await sql`
      insert into ${table} (appid, key, kind, day, new, lost, reconciled_in, reconciled_out, erasures)
      select ${APPID}, 'd:' || d, 'day', d, ${perDay}::int, ${Math.round(perDay / 5)}::int, d_n % 7, d_n % 3, d_n % 4
      from (select to_char(${first}::text::date + i, 'YYYY-MM-DD') as d, i as d_n from generate_series(0, ${days - 1}::int) i) days`.execute(storage.db);
    await sql`
      insert into ${table} (appid, key, kind, day, bucket, scene, new, lost)
      select ${APPID}, 's:' || d || ':=scene-' || s, 'scene', d, 'scene', 'scene-' || s, ${Math.max(1, Math.round(perDay / scenes))}::int, s % 3
      from (select to_char(${first}::text::date + i, 'YYYY-MM-DD') as d from generate_series(0, ${days - 1}::int) i) days, generate_series(0, ${scenes - 1}::int) s`.execute(storage.db);
    await sql`
      insert into ${table} (appid, key, kind, day, detail)
      select ${APPID}, 'r:' || lpad(i::text, 16, '0'), 'run', to_char(${first}::text::date + i, 'YYYY-MM-DD'),
             jsonb_build_object('startedAt', '2026-01-01T00:00:00.000Z', 'completedAt', '2026-01-01T00:01:00.000Z', 'followers', ${followers}::int, 'added', 3, 'removed', 1)
      from generate_series(0, ${days - 1}::int, 7) i`.execute(storage.db);
    await sql`analyze ${table}`.execute(storage.db);
    console.error(`generated in ${((performance.now() - started) / 1000).toFixed(1)} s`);

    await client.connect();
    const time = async (call: () => Promise<unknown>) => {
      await call();
      const samples: number[] = [];
      for (let i = 0; i < repeat; i++) {
        const t = performance.now();
        await call();
        samples.push(performance.now() - t);
      }
      samples.sort((a, b) => a - b);
      return [samples[Math.floor(samples.length / 2)]!, samples[Math.min(samples.length - 1, Math.floor(samples.length * 0.99))]!];
    };
    const rows: (string | number)[][] = [];
    for (const span of [30, 365]) {
      const from = addDays(to, -(span - 1));
      const daily = await time(() => getDailyStats(storage.db, APPID, from, to));
      const rawDaily = await time(() =>
        client.query({ name: `daily-${span}`, text: `select day, new, lost, reconciled_in, reconciled_out, erased_following, erasures from ${version.table} where appid = $1 and key >= 'd:' and key <= $2 order by key`, values: [APPID, `d:${to}`] }),
      );
      const scene = await time(() => getSceneStats(storage.db, APPID, from, to, 100));
      const rawScene = await time(() =>
        client.query({ name: `scenes-${span}`, text: `select bucket, scene, sum(new), sum(lost) from ${version.table} where appid = $1 and key >= $2 and key < $3 group by bucket, scene order by sum(new) desc, bucket, scene`, values: [APPID, `s:${from}:`, `s:${to};`] }),
      );
      rows.push([`daily, ${span} days (getDailyStats)`, ...daily], [`  peer: its SQL, prepared (pg)`, ...rawDaily]);
      rows.push([`scenes, ${span} days (getSceneStats)`, ...scene], [`  peer: its SQL, prepared (pg)`, ...rawScene]);
    }
    const scan = await time(() =>
      client.query({ name: 'scan', text: `select detail->'cohorts'->0->>'day' as day, count(*) from ${version.table} where appid = $1 and key >= 'f:' and key < 'f;' group by 1`, values: [APPID] }),
    );
    rows.push([`no projection: new per day from the ${followers.toLocaleString('en-US')} followers' rows`, ...scan]);
    printTable(['query', 'median ms', 'p99 ms'], rows);
  } finally {
    await client.end().catch(() => {});
    await storage.close();
    await database.drop();
  }
}
