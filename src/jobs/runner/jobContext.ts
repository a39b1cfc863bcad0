import type { Kysely } from 'kysely';
import type { Service } from '../../createService.ts';
import type { Logger } from '../../observability/logger.ts';
import type { Job } from '../job.ts';
import type { JobSettings } from '../jobSettings.ts';
import type { JobProgressPatch } from '../store/jobLease.ts';

/** What the projections offer a job: read-your-writes on the follow-state and identity-links tables. */
export type ProjectionsGate = { waitFor(position: number, timeoutMs?: number): Promise<void> };

/** Everything a job kind's code gets while it holds a job. */
export type JobContext = {
  /** The job as claimed: `state` is where the previous run stopped. */
  job: Job;
  service: Service;
  projections: ProjectionsGate;
  settings: JobSettings;
  /** Aborted when the runner stops or the lease is lost: stop at the next chunk. */
  signal: AbortSignal;
  logger: Logger;
  /** Saves progress (and resume state) under the lease; the rate is measured here. */
  progress(patch: JobProgressPatch): Promise<void>;
  /** Runs `work` and saves the progress it returns in one transaction. */
  progressWith(work: (trx: Kysely<any>) => Promise<JobProgressPatch>): Promise<void>;
  /** Runs a WeChat or ledger step, retrying transient failures with backoff. */
  retry<T>(what: string, fn: () => Promise<T>): Promise<T>;
  /** Waits until both projections have folded `position` (retrying while they lag). */
  waitForProjections(position: number): Promise<void>;
};

/** A job kind: runs (or continues) a job to its result. Throws to pause (45009) or fail. */
export type JobExecutor = (ctx: JobContext) => Promise<Record<string, unknown>>;
