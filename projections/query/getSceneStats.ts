import { sql } from 'kysely';
import type { SceneBucket } from '../dailyStats/statsRow.ts';
import { STATS_TIME_ZONE } from '../dailyStats/statsDay.ts';
import { activeTableName } from '../store/activeTable.ts';
import type { Queryable } from '../store/projectionTable.ts';

export type SceneCohort = {
  /** The QR scene (`qrscene_<x>` → `x`) or the EventKey; null for the `none` and `erased` buckets. */
  scene: string | null;
  bucket: SceneBucket;
  /** Followers who subscribed through it in the range… */
  new: number;
  /** …and how many of them have unsubscribed since (up to now). */
  lost: number;
  /** lost / new; 0 when new is 0. */
  churn: number;
};

export type SceneStats = { appid: string; from: string; to: string; timeZone: string; scenes: SceneCohort[]; more: number; totals: { new: number; lost: number; churn: number } };

const churnOf = (lost: number, n: number) => (n === 0 ? 0 : Math.round((lost / n) * 10_000) / 10_000);

/**
 * The cohorts of `from`..`to` by scene, most new followers first, at most `limit` (`more` says how
 * many were left out; `totals` counts them all). One range scan of the scene rows of those days.
 */
export async function getSceneStats(db: Queryable, appid: string, from: string, to: string, limit: number): Promise<SceneStats> {
  const table = sql.table(await activeTableName(db, 'daily-stats'));
  const { rows } = await sql<{ bucket: SceneBucket; scene: string | null; new: number | string; lost: number | string }>`
    select bucket, scene, sum(new) as new, sum(lost) as lost from ${table}
    where appid = ${appid} and key >= ${`s:${from}:`} and key < ${`s:${to};`}
    group by bucket, scene order by sum(new) desc, bucket, scene`.execute(db);
  const scenes = rows.map((row) => ({ scene: row.scene, bucket: row.bucket, new: Number(row.new), lost: Number(row.lost), churn: churnOf(Number(row.lost), Number(row.new)) }));
  const n = scenes.reduce((sum, s) => sum + s.new, 0);
  const lost = scenes.reduce((sum, s) => sum + s.lost, 0);
  return { appid, from, to, timeZone: STATS_TIME_ZONE, scenes: scenes.slice(0, limit), more: Math.max(0, scenes.length - limit), totals: { new: n, lost, churn: churnOf(lost, n) } };
}
