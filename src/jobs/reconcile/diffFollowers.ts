import { sql, type Kysely } from 'kysely';
import { ProjectionsForJobs } from '../../../projections/query/projectionsForJobs.ts';
import { JobTables } from '../store/jobTables.ts';

export type FollowerDiff = { followers: number; added: number; removed: number };

/**
 * Compares the snapshot WeChat gave with the follow state, in SQL (two anti-joins over indexed
 * "C"-collated openids: a million rows each take about a second and no JS memory), and stores
 * the corrections as the job's numbered items:
 * - subscribe: listed by WeChat, but not following here;
 * - unsubscribe: following here, but not listed (only ever inferred from a complete pass).
 * A row decided at or after the pass started is left alone: a push sent during the pass knows
 * better than the list, which may have been read before it.
 */
export async function diffFollowers(trx: Kysely<any>, jobId: string, appid: string, startedAt: string): Promise<FollowerDiff> {
  const follow = await ProjectionsForJobs.followState(trx, appid);
  const snapshot = sql.table(JobTables.snapshot(jobId));
  await JobTables.createItems(trx, jobId);
  await sql`
    insert into ${sql.table(JobTables.items(jobId))} (seq, openid, action)
    select row_number() over (order by action, openid), openid, action from (
      select s.openid, 'subscribe' as action
      from ${snapshot} s
      left join (${follow}) f on f.openid = s.openid
      where f.openid is null or (not f.subscribed and f.decided_at < ${startedAt}::timestamptz)
      union all
      select f.openid, 'unsubscribe' as action
      from (${follow}) f
      where f.subscribed and f.decided_at < ${startedAt}::timestamptz
        and not exists (select 1 from ${snapshot} s where s.openid = f.openid)
    ) corrections`.execute(trx);
  const counts = await sql<{ action: string; n: number | string }>`
    select action, count(*) as n from ${sql.table(JobTables.items(jobId))} group by action`.execute(trx);
  const followers = await sql<{ n: number | string }>`select count(*) as n from ${snapshot}`.execute(trx);
  const count = (action: string) => Number(counts.rows.find((row) => row.action === action)?.n ?? 0);
  return { followers: Number(followers.rows[0]?.n ?? 0), added: count('subscribe'), removed: count('unsubscribe') };
}
