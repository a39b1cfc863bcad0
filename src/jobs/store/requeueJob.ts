import { sql } from 'kysely';
import type { Storage } from '../../ledger/openStorage.ts';
import type { Job } from '../job.ts';
import { JobRefusal } from '../jobErrors.ts';
import { rowToJob, type JobSqlRow } from './jobRow.ts';
import { getJob } from './readJobs.ts';
import { notifyJobs, wakeLocalRunners } from './jobsChannel.ts';

/**
 * `resume`: a paused or failed job becomes queued again and continues from its saved state. A
 * failed job may meanwhile have been replaced by a newer one of its kind: then 409.
 */
export async function requeueJob(storage: Storage, id: string): Promise<Job> {
  const job = await getJob(storage.db, id);
  if (!job) throw JobRefusal.notFound(id);
  if (job.status === 'queued' || job.status === 'running') return job;
  if (job.status === 'done') throw JobRefusal.notResumable(id, job.status);
  let requeued: Job | undefined;
  try {
    requeued = await storage.db.transaction().execute(async (trx) => {
      const result = await sql<JobSqlRow>`
        update jobs set status = 'queued', resume_at = null, error = null, updated_at = now()
        where id = ${id} and status in ('paused', 'failed') returning *`.execute(trx);
      if (result.rows[0]) await notifyJobs(trx, id);
      return result.rows[0] ? rowToJob(result.rows[0]) : undefined;
    });
  } catch (error) {
    if ((error as { code?: string }).code !== '23505') throw error;
    const other = await sql<{ id: string }>`
      select id from jobs where kind = ${job.kind} and appid = ${job.appid} and status in ('queued', 'running', 'paused')`.execute(storage.db);
    throw JobRefusal.alreadyRunning(job.kind, job.appid, other.rows[0]?.id ?? '?');
  }
  if (!requeued) return (await getJob(storage.db, id)) ?? job;
  wakeLocalRunners(storage);
  return requeued;
}
