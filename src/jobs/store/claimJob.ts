import { sql, type Kysely } from 'kysely';
import type { Job } from '../job.ts';
import { rowToJob, type JobSqlRow } from './jobRow.ts';

/**
 * Claimable: queued; running with a lease that ran out (its instance died); paused with a
 * `resume_at` that has passed (the quota reset). Leases are measured on the database's clock, so
 * instances with skewed clocks agree on who holds what.
 */
const CLAIMABLE = sql`(status = 'queued'
  or (status = 'running' and lease_until < now())
  or (status = 'paused' and resume_at <= now()))`;

const take = (owner: string, leaseMs: number) => sql`
  status = 'running', lease_owner = ${owner}, lease_until = now() + make_interval(secs => ${leaseMs / 1000}),
  started_at = coalesce(started_at, now()), attempts = attempts + 1, resume_at = null, error = null, rate = null,
  updated_at = now()`;

/** The oldest claimable job, taken with a lease; null when there is none. Concurrent claimers skip each other's rows. */
export async function claimNextJob(db: Kysely<any>, owner: string, leaseMs: number): Promise<Job | null> {
  const result = await sql<JobSqlRow>`
    update jobs set ${take(owner, leaseMs)}
    where id = (select id from jobs where ${CLAIMABLE} order by created_at limit 1 for update skip locked)
    returning *`.execute(db);
  return result.rows[0] ? rowToJob(result.rows[0]) : null;
}

/**
 * Takes this job if it is claimable; `force` also takes it from a live lease (the operator knows
 * its holder is dead). Null when it is not claimable (done, failed, paused, or leased elsewhere).
 */
export async function claimJob(db: Kysely<any>, id: string, owner: string, leaseMs: number, options: { force?: boolean } = {}): Promise<Job | null> {
  const condition = options.force ? sql`(${CLAIMABLE} or status = 'running')` : CLAIMABLE;
  const result = await sql<JobSqlRow>`
    update jobs set ${take(owner, leaseMs)} where id = ${id} and ${condition} returning *`.execute(db);
  return result.rows[0] ? rowToJob(result.rows[0]) : null;
}
