import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Job, JobError } from '../job.ts';
import { LeaseLostError } from '../jobErrors.ts';
import { rowToJob, type JobSqlRow } from './jobRow.ts';

export type JobProgressPatch = {
  phase?: string;
  done?: number;
  total?: number | null;
  rate?: number | null;
  state?: Record<string, unknown>;
};

/**
 * A claimed job, as its holder writes it. Every write is fenced by the lease (`lease_owner` is
 * us and the job is still running) and extends it; a write that matches no row means another
 * instance took the job over, and throws LeaseLostError so the holder stops at once.
 */
export type JobLease = {
  readonly jobId: string;
  readonly owner: string;
  /** Saves progress and resume state. */
  save(patch: JobProgressPatch): Promise<Job>;
  /** Runs `work` and saves the progress it returns in one transaction (e.g. a page of a list and the cursor after it). */
  saveWith(work: (trx: Kysely<any>) => Promise<JobProgressPatch>): Promise<Job>;
  renew(): Promise<void>;
  finish(result: Record<string, unknown>): Promise<Job>;
  /** Stops until `resumeAt` (or a `resume`), keeping the state. */
  pause(error: JobError, resumeAt: Date): Promise<Job>;
  fail(error: JobError): Promise<Job>;
  /** Hands the job back unfinished (graceful shutdown): any runner may claim it at once. */
  release(): Promise<void>;
};

export function createJobLease(db: Kysely<any>, jobId: string, owner: string, leaseMs: number): JobLease {
  const extend = sql`lease_until = now() + make_interval(secs => ${leaseMs / 1000})`;
  const fenced = sql`id = ${jobId} and lease_owner = ${owner} and status = 'running'`;

  async function update(set: RawBuilder<unknown>, on: Kysely<any> = db): Promise<Job> {
    const result = await sql<JobSqlRow>`update jobs set ${set}, updated_at = now() where ${fenced} returning *`.execute(on);
    if (!result.rows[0]) throw new LeaseLostError(jobId);
    return rowToJob(result.rows[0]);
  }

  const setsOf = (patch: JobProgressPatch) => {
    const sets = [extend];
    if (patch.phase !== undefined) sets.push(sql`phase = ${patch.phase}`);
    if (patch.done !== undefined) sets.push(sql`progress_done = ${patch.done}`);
    if (patch.total !== undefined) sets.push(sql`progress_total = ${patch.total}`);
    if (patch.rate !== undefined) sets.push(sql`rate = ${patch.rate}`);
    if (patch.state !== undefined) sets.push(sql`state = ${JSON.stringify(patch.state)}::jsonb`);
    return sql.join(sets, sql`, `);
  };

  const ended = (status: 'done' | 'paused' | 'failed' | 'queued') =>
    sql`status = ${status}, lease_owner = null, lease_until = null, rate = null${status === 'done' || status === 'failed' ? sql`, finished_at = now()` : sql``}`;

  return {
    jobId,
    owner,
    save: (patch) => update(setsOf(patch)),
    saveWith: (work) => db.transaction().execute(async (trx) => update(setsOf(await work(trx)), trx)),
    async renew() {
      await update(extend);
    },
    finish: (result) => update(sql`${ended('done')}, phase = 'done', result = ${JSON.stringify(result)}::jsonb, error = null`),
    pause: (error, resumeAt) => update(sql`${ended('paused')}, error = ${JSON.stringify(error)}::jsonb, resume_at = ${resumeAt.toISOString()}`),
    fail: (error) => update(sql`${ended('failed')}, error = ${JSON.stringify(error)}::jsonb`),
    async release() {
      await update(ended('queued')).catch((error) => {
        if (!(error instanceof LeaseLostError)) throw error;
      });
    },
  };
}
