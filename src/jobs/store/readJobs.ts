import { sql, type Kysely } from 'kysely';
import type { Job, JobKind, JobStatus } from '../job.ts';
import { rowToJob, type JobSqlRow } from './jobRow.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function getJob(db: Kysely<any>, id: string): Promise<Job | null> {
  // Not a uuid: no such job (and no cast error from PostgreSQL).
  if (!UUID.test(id)) return null;
  const result = await sql<JobSqlRow>`select * from jobs where id = ${id}`.execute(db);
  return result.rows[0] ? rowToJob(result.rows[0]) : null;
}

export type JobFilter = { kind?: JobKind; appid?: string; status?: JobStatus; limit?: number };

/** Newest first. */
export async function listJobs(db: Kysely<any>, filter: JobFilter = {}): Promise<Job[]> {
  const where = [sql`true`];
  if (filter.kind) where.push(sql`kind = ${filter.kind}`);
  if (filter.appid) where.push(sql`appid = ${filter.appid}`);
  if (filter.status) where.push(sql`status = ${filter.status}`);
  const result = await sql<JobSqlRow>`
    select * from jobs where ${sql.join(where, sql` and `)} order by created_at desc limit ${filter.limit ?? 50}`.execute(db);
  return result.rows.map(rowToJob);
}
