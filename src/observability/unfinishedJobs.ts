import { sql, type Kysely } from 'kysely';

/** Progress of every queued, running or paused job (the partial index `jobs_claimable` covers them). */
export async function unfinishedJobs(db: Kysely<any>): Promise<{ kind: string; appid: string; status: string; done: number; total: number | null }[]> {
  const result = await sql<{ kind: string; appid: string; status: string; progress_done: number | string; progress_total: number | string | null }>`
    select kind, appid, status, progress_done, progress_total from jobs where status in ('queued', 'running', 'paused')`.execute(db);
  return result.rows.map((row) => ({
    kind: row.kind,
    appid: row.appid,
    status: row.status,
    done: Number(row.progress_done),
    total: row.progress_total === null ? null : Number(row.progress_total),
  }));
}
