import { sql } from 'kysely';
import { userStream } from '../../src/ledger/events.ts';
import { tableNameOf, type Queryable } from '../store/projectionTable.ts';
import { StatsKey, type Cohort } from './statsRow.ts';

type Delta = { appid: string; key: string; day: string; bucket: string; scene: string | null; new: number; lost: number };

/**
 * An erasure's share of daily-stats, in its transaction (after it moved the erasure epoch, so a
 * batch folded from the person's readable events writes nothing and is folded again, redacted):
 * in every version's table, the erased people's cohorts move from their scenes to the `erased`
 * bucket of the same day, a scene row nobody is left in goes, and their attribution rows keep
 * only what a redacted event says (state, times, cohorts without scenes) until folding
 * `identity.erased` deletes them. That is exactly what a rebuild folds from the redacted events,
 * and no scene of theirs is left. Returns how many attribution rows were redacted.
 */
export async function redactFollowerRows(trx: Queryable, subjects: readonly { appid: string; subject: string }[]): Promise<number> {
  if (subjects.length === 0) return 0;
  const appids = subjects.map((s) => s.appid);
  const keys = subjects.map((s) => StatsKey.follower(userStream(s.appid, s.subject)));
  const { rows: versions } = await sql<{ version: number }>`
    select version from projection_versions where name = 'daily-stats' and dropped_at is null order by version`.execute(trx);
  let redacted = 0;
  for (const { version } of versions) {
    const table = tableNameOf('daily-stats', version);
    const exists = await sql<{ found: string | null }>`select to_regclass(${table})::text as found`.execute(trx);
    if (!exists.rows[0]?.found) continue;
    const t = sql.table(table);
    const { rows } = await sql<{ appid: string; key: string; detail: { cohorts: Cohort[] } & Record<string, unknown> }>`
      select t.appid, t.key, t.detail from unnest(${appids}::text[], ${keys}::text[]) as k(appid, key)
      join ${t} t on t.appid = k.appid and t.key = k.key where t.kind = 'follower' for update of t`.execute(trx);
    const deltas = new Map<string, Delta>();
    const add = (appid: string, day: string, bucket: string, scene: string | null, n: number, lost: number) => {
      const key = StatsKey.scene(day, bucket as Cohort['bucket'], scene);
      const delta = deltas.get(`${appid}\u0000${key}`) ?? { appid, key, day, bucket, scene, new: 0, lost: 0 };
      deltas.set(`${appid}\u0000${key}`, { ...delta, new: delta.new + n, lost: delta.lost + lost });
    };
    const rewritten: { appid: string; key: string; detail: string }[] = [];
    for (const row of rows) {
      const cohorts = row.detail.cohorts.map((cohort): Cohort => {
        if (cohort.bucket === 'erased') return cohort;
        add(row.appid, cohort.day, cohort.bucket, cohort.scene, -1, cohort.lost ? -1 : 0);
        add(row.appid, cohort.day, 'erased', null, 1, cohort.lost ? 1 : 0);
        return { day: cohort.day, bucket: 'erased', scene: null, lost: cohort.lost };
      });
      rewritten.push({ appid: row.appid, key: row.key, detail: JSON.stringify({ ...row.detail, cohorts }) });
    }
    const moves = [...deltas.values()].filter((d) => d.new !== 0 || d.lost !== 0);
    if (moves.length > 0) {
      await sql`
        insert into ${t} (appid, key, kind, day, bucket, scene, new, lost)
        select appid, key, 'scene', day, bucket, scene, n, l
        from unnest(${moves.map((d) => d.appid)}::text[], ${moves.map((d) => d.key)}::text[], ${moves.map((d) => d.day)}::text[],
                    ${moves.map((d) => d.bucket)}::text[], ${moves.map((d) => d.scene)}::text[], ${moves.map((d) => d.new)}::int4[],
                    ${moves.map((d) => d.lost)}::int4[]) as d(appid, key, day, bucket, scene, n, l)
        on conflict (appid, key) do update set new = ${t}.new + excluded.new, lost = ${t}.lost + excluded.lost`.execute(trx);
      // A scene only these people came through must not be left behind, even as a zero.
      await sql`
        delete from ${t} t using unnest(${moves.map((d) => d.appid)}::text[], ${moves.map((d) => d.key)}::text[]) as d(appid, key)
        where t.appid = d.appid and t.key = d.key and t.new = 0 and t.lost = 0`.execute(trx);
    }
    if (rewritten.length > 0) {
      await sql`
        update ${t} t set detail = r.detail
        from unnest(${rewritten.map((r) => r.appid)}::text[], ${rewritten.map((r) => r.key)}::text[], ${rewritten.map((r) => r.detail)}::jsonb[]) as r(appid, key, detail)
        where t.appid = r.appid and t.key = r.key`.execute(trx);
    }
    redacted += rewritten.length;
  }
  return redacted;
}
