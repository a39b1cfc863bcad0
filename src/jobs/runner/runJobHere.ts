import { setTimeout as sleep } from 'node:timers/promises';
import type { Service } from '../../createService.ts';
import type { Job } from '../job.ts';
import { JobRefusal } from '../jobErrors.ts';
import { jobSettings, type JobSettings } from '../jobSettings.ts';
import { claimJob } from '../store/claimJob.ts';
import { createJobLease } from '../store/jobLease.ts';
import { getJob } from '../store/readJobs.ts';
import type { ProjectionsGate } from './jobContext.ts';
import { isDeadLocalOwner, newJobOwner } from './jobOwner.ts';
import { runJob } from './runJob.ts';

export type RunJobHereOptions = {
  jobId: string;
  /** Default: the service's own projection runner (started by the caller when `background: false`). */
  projections?: ProjectionsGate;
  settings?: Partial<JobSettings>;
  /** The owner the job was created claimed by (the CLI creates what it runs); else a new one. */
  owner?: string;
  signal?: AbortSignal;
  onProgress?: (job: Job) => void;
  /** Called while another live instance holds the job: this one waits for its lease to run out. */
  onWaiting?: (job: Job) => void;
};

/**
 * Runs one job in this process (the CLI's `reconcile`, `resume`…): takes it — at once when it is
 * claimable or already ours, after the holder's lease runs out when another instance holds it,
 * or immediately from a holder that was a process on this host that no longer exists (kill -9) —
 * and runs it to its end. Returns the job as it was left (done, paused, failed, or queued again
 * when interrupted). A paused or failed job is returned as it is: `requeueJob` it first to resume.
 */
export async function runJobHere(service: Service, options: RunJobHereOptions): Promise<Job> {
  const settings = jobSettings(options.settings);
  const owner = options.owner ?? newJobOwner();
  const db = service.storage.db;
  let job: Job | null = null;
  for (;;) {
    options.signal?.throwIfAborted();
    const current = await getJob(db, options.jobId);
    if (!current) throw JobRefusal.notFound(options.jobId);
    if (current.status === 'running' && current.leaseOwner === owner) {
      job = current;
      break;
    }
    if (current.status === 'done' || current.status === 'failed' || (current.status === 'paused' && !isDue(current))) return current;
    job = await claimJob(db, options.jobId, owner, settings.leaseMs, { force: isDeadLocalOwner(current.leaseOwner) });
    if (job) break;
    if (current.status === 'running') options.onWaiting?.(current);
    await sleep(Math.min(1000, settings.leaseMs / 2), undefined, options.signal ? { signal: options.signal } : undefined);
  }
  const lease = createJobLease(db, job.id, owner, settings.leaseMs);
  const left = await runJob({
    service,
    projections: options.projections ?? service.projections,
    settings,
    job,
    lease,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  return left ?? (await getJob(db, job.id))!;
}

function isDue(job: Job): boolean {
  return job.resumeAt !== null && Date.parse(job.resumeAt) <= Date.now();
}
