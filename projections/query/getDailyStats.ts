import { sql } from 'kysely';
import { daysBetween, STATS_TIME_ZONE } from '../dailyStats/statsDay.ts';
import { activeTableName } from '../store/activeTable.ts';
import type { Queryable } from '../store/projectionTable.ts';

export type DayStats = {
  day: string;
  new: number;
  lost: number;
  reconciledIn: number;
  reconciledOut: number;
  erasedFollowing: number;
  /** new − lost + reconciledIn − reconciledOut − erasedFollowing */
  net: number;
  /** Followers at the end of the day: every day's net up to it. */
  total: number;
  erasures: number;
};

export type ReconciliationRun = { completedAt: string; startedAt: string; followers: number; added: number; removed: number };

export type DailyStats = {
  appid: string;
  from: string;
  to: string;
  timeZone: string;
  /** Followers at the end of the day before `from`. */
  totalBefore: number;
  days: DayStats[];
  totals: Omit<DayStats, 'day' | 'total'> & { total: number };
  reconciliations: ReconciliationRun[];
};

type DaySqlRow = { day: string; new: number; lost: number; reconciled_in: number; reconciled_out: number; erased_following: number; erasures: number };

/**
 * Every day of `from`..`to` (Beijing days, both included; days without events are zeros), with
 * the running total, and the reconciliation runs that completed in the range. Two range scans of
 * the daily-stats primary key: the account's day rows up to `to` (a few hundred a year; the
 * total needs all before `from`) and its run rows — never its followers.
 */
export async function getDailyStats(db: Queryable, appid: string, from: string, to: string): Promise<DailyStats> {
  const table = sql.table(await activeTableName(db, 'daily-stats'));
  const [{ rows: dayRows }, { rows: runRows }] = await Promise.all([
    sql<DaySqlRow>`
      select day, new, lost, reconciled_in, reconciled_out, erased_following, erasures from ${table}
      where appid = ${appid} and key >= 'd:' and key <= ${`d:${to}`} order by key`.execute(db),
    sql<{ detail: ReconciliationRun }>`
      select detail from ${table} where appid = ${appid} and key >= 'r:' and key < 'r;' and day >= ${from} and day <= ${to} order by key`.execute(db),
  ]);
  const byDay = new Map(dayRows.map((row) => [row.day, row]));
  let total = 0;
  for (const row of dayRows) if (row.day < from) total += netOf(row);
  const totalBefore = total;
  const totals = { new: 0, lost: 0, reconciledIn: 0, reconciledOut: 0, erasedFollowing: 0, net: 0, erasures: 0, total: 0 };
  const days = daysBetween(from, to).map((day): DayStats => {
    const row = byDay.get(day);
    const net = row ? netOf(row) : 0;
    const stats = {
      day,
      new: row?.new ?? 0,
      lost: row?.lost ?? 0,
      reconciledIn: row?.reconciled_in ?? 0,
      reconciledOut: row?.reconciled_out ?? 0,
      erasedFollowing: row?.erased_following ?? 0,
      net,
      total: (total += net),
      erasures: row?.erasures ?? 0,
    };
    for (const name of ['new', 'lost', 'reconciledIn', 'reconciledOut', 'erasedFollowing', 'net', 'erasures'] as const) totals[name] += stats[name];
    return stats;
  });
  totals.total = total;
  const reconciliations = runRows.map(({ detail }) => ({ completedAt: detail.completedAt, startedAt: detail.startedAt, followers: detail.followers, added: detail.added, removed: detail.removed }));
  return { appid, from, to, timeZone: STATS_TIME_ZONE, totalBefore, days, totals, reconciliations };
}

function netOf(row: DaySqlRow): number {
  return row.new - row.lost + row.reconciled_in - row.reconciled_out - row.erased_following;
}
