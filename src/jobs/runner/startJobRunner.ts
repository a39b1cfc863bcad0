import { createWakeSignal } from '../../ledger/wakeSignal.ts';
import type { Service } from '../../createService.ts';
import { jobSettings, type JobSettings } from '../jobSettings.ts';
import { claimNextJob } from '../store/claimJob.ts';
import { createJobLease } from '../store/jobLease.ts';
import { JOBS_CHANNEL, LOCAL_WAKE } from '../store/jobsChannel.ts';
import type { ProjectionsGate } from './jobContext.ts';
import { newJobOwner } from './jobOwner.ts';
import { runJob } from './runJob.ts';

export type JobRunner = {
  readonly owner: string;
  /** Ids of the jobs this instance is working on. */
  running(): string[];
  /** Hands unfinished jobs back (any instance may continue them at once) and stops. */
  stop(): Promise<void>;
};

export type JobRunnerOptions = {
  /** Read-your-writes on the projections the jobs read; default: the service's own runner. */
  projections?: ProjectionsGate;
  settings?: Partial<JobSettings>;
};

/**
 * The service's job worker: claims queued jobs (and jobs whose holder died, and paused jobs
 * whose quota has reset) with a lease and runs up to `concurrency` of them. Woken at once by a
 * NOTIFY when a job is created or resumed anywhere; polls as a safety net.
 */
export function startJobRunner(service: Service, options: JobRunnerOptions = {}): JobRunner {
  const settings = jobSettings(options.settings);
  const projections = options.projections ?? service.projections;
  const owner = newJobOwner();
  const { storage } = service;
  const controller = new AbortController();
  const active = new Map<string, Promise<unknown>>();
  let stopped = false;
  const wakeSignal = createWakeSignal();
  const wake = () => wakeSignal.wake();
  storage.local.on(LOCAL_WAKE, wake);
  const unlisten = storage.listen(JOBS_CHANNEL, wake).catch((error: unknown) => {
    service.logger.warn({ err: (error as Error).message }, 'job runner: LISTEN failed; polling only');
    return async () => {};
  });


  async function claimWhileRoom(): Promise<void> {
    while (!stopped && active.size < settings.concurrency) {
      const job = await claimNextJob(storage.db, owner, settings.leaseMs);
      if (!job) return;
      service.logger.info({ jobId: job.id, kind: job.kind, appid: job.appid, attempt: job.attempts }, 'job claimed');
      const lease = createJobLease(storage.db, job.id, owner, settings.leaseMs);
      const run = runJob({ service, projections, settings, job, lease, signal: controller.signal })
        .catch((error: unknown) => service.logger.error({ jobId: job.id, err: (error as Error).message }, 'job runner: could not record the job outcome'))
        .finally(() => {
          active.delete(job.id);
          wake();
        });
      active.set(job.id, run);
    }
  }

  const loop = (async () => {
    while (!stopped) {
      wakeSignal.signalled = false;
      try {
        await claimWhileRoom();
      } catch (error) {
        service.logger.warn({ err: (error as Error).message }, 'job runner: claiming failed; retrying');
      }
      if (!stopped) await wakeSignal.sleep(settings.pollMs);
    }
  })();

  return {
    owner,
    running: () => [...active.keys()],
    async stop() {
      stopped = true;
      controller.abort(new Error('job runner stopped'));
      wake();
      await loop;
      await Promise.all(active.values());
      storage.local.off(LOCAL_WAKE, wake);
      await (await unlisten)();
    },
  };
}
