import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Storage } from '../../ledger/openStorage.ts';
import type { Job, JobKind } from '../job.ts';
import { JobRefusal } from '../jobErrors.ts';
import { rowToJob, type JobSqlRow } from './jobRow.ts';
import { notifyJobs, wakeLocalRunners } from './jobsChannel.ts';

export type NewJob = {
  kind: JobKind;
  appid: string;
  params: Record<string, unknown>;
  /** Created already claimed by this owner (the CLI runs what it creates), else queued for any runner. */
  claimBy?: { owner: string; leaseMs: number };
  /**
   * Runs in the creating transaction before the row is written, e.g. to store an input list
   * before anyone can claim the job; what it returns is merged into `params`.
   */
  prepare?: (trx: Kysely<any>, jobId: string) => Promise<Record<string, unknown> | void>;
};

/** Inserts a job; a second unfinished job of the same kind for the account is refused (409). */
export async function createJob(storage: Storage, job: NewJob): Promise<Job> {
  const id = randomUUID();
  const claim = job.claimBy;
  let created: Job;
  try {
    created = await storage.db.transaction().execute(async (trx) => {
      // The input first (a million-line list takes a while), then the row: its lease counts from
      // the clock now, not from when the transaction began.
      const params = { ...job.params, ...(await job.prepare?.(trx, id)) };
      const result = await sql<JobSqlRow>`
        insert into jobs (id, kind, appid, params, status, lease_owner, lease_until, started_at, attempts)
        values (${id}, ${job.kind}, ${job.appid}, ${JSON.stringify(params)}::jsonb,
                ${claim ? 'running' : 'queued'}, ${claim?.owner ?? null},
                ${claim ? sql`clock_timestamp() + make_interval(secs => ${claim.leaseMs / 1000})` : null},
                ${claim ? sql`now()` : null}, ${claim ? 1 : 0})
        returning *`.execute(trx);
      if (!claim) await notifyJobs(trx, id);
      return rowToJob(result.rows[0]!);
    });
  } catch (error) {
    if ((error as { code?: string }).code !== '23505') throw error;
    const existing = await sql<{ id: string }>`
      select id from jobs where kind = ${job.kind} and appid = ${job.appid} and status in ('queued', 'running', 'paused')`.execute(storage.db);
    throw JobRefusal.alreadyRunning(job.kind, job.appid, existing.rows[0]?.id ?? '?');
  }
  if (!claim) wakeLocalRunners(storage);
  return created;
}
