import { setTimeout as sleep } from 'node:timers/promises';
import { ProjectionsForJobs } from '../../../projections/query/projectionsForJobs.ts';
import type { Service } from '../../createService.ts';
import type { Job } from '../job.ts';
import type { JobSettings } from '../jobSettings.ts';
import { JobStoppedError, LeaseLostError } from '../jobErrors.ts';
import type { JobLease, JobProgressPatch } from '../store/jobLease.ts';
import { EXECUTORS } from './executors.ts';
import type { JobContext, ProjectionsGate } from './jobContext.ts';
import { outcomeOf } from './outcomeOf.ts';
import { createRateMeter } from './rateMeter.ts';
import { retryTransient } from './retryTransient.ts';

export type RunJobOptions = {
  service: Service;
  projections: ProjectionsGate;
  settings: JobSettings;
  job: Job;
  lease: JobLease;
  /** Aborted to stop (shutdown, Ctrl-C): the job is handed back unfinished. */
  signal?: AbortSignal;
  onProgress?: (job: Job) => void;
};

/**
 * Runs a claimed job to its end or until it must stop: renews the lease in the background,
 * measures the rate, and records how it ended — done with its result, paused (45009), failed
 * with a message, or handed back (shutdown). Returns the job as it was left; null when another
 * instance took it over.
 */
export async function runJob(options: RunJobOptions): Promise<Job | null> {
  const { service, settings, lease, job } = options;
  const logger = service.logger.child({ jobId: job.id, kind: job.kind, appid: job.appid });
  const controller = new AbortController();
  const stopOuter = () => controller.abort(options.signal?.reason);
  if (options.signal?.aborted) stopOuter();
  options.signal?.addEventListener('abort', stopOuter, { once: true });

  const heartbeat = setInterval(() => {
    lease.renew().catch((error: unknown) => {
      if (error instanceof LeaseLostError) controller.abort(error);
      else logger.warn({ err: (error as Error).message }, 'job lease renewal failed; retrying');
    });
  }, settings.heartbeatMs);

  const meter = createRateMeter();
  let phase = job.phase;
  const measured = (patch: JobProgressPatch): JobProgressPatch => {
    if (patch.phase !== undefined && patch.phase !== phase) {
      phase = patch.phase;
      meter.reset();
    }
    if (patch.done !== undefined) meter.record(patch.done);
    return { ...patch, rate: meter.rate() };
  };
  const ctx: JobContext = {
    job,
    service,
    projections: options.projections,
    settings,
    signal: controller.signal,
    logger,
    async progress(patch) {
      const saved = await lease.save(measured(patch));
      options.onProgress?.(saved);
    },
    async progressWith(work) {
      const saved = await lease.saveWith(async (trx) => measured(await work(trx)));
      options.onProgress?.(saved);
    },
    retry: (what, fn) =>
      retryTransient(fn, settings.retry, {
        signal: controller.signal,
        onRetry: (error, attempt, waitMs) => logger.warn({ err: (error as Error).message, attempt, waitMs }, `${what}: transient failure, retrying`),
      }),
    async waitForProjections(position) {
      const deadline = Date.now() + settings.projectionWaitMs;
      for (;;) {
        controller.signal.throwIfAborted();
        try {
          await options.projections.waitFor(position, Math.max(1000, Math.min(30_000, deadline - Date.now())));
          // On a fresh database the projections may not have created their first version yet.
          await ProjectionsForJobs.ready(service.storage.db);
          return;
        } catch (error) {
          const code = (error as { code?: string }).code;
          if (code !== 'projection_lag' && code !== 'projection_unavailable') throw error;
          if (Date.now() >= deadline) {
            throw new JobStoppedError(code, `the projections did not reach ledger position ${position} within ${Math.round(settings.projectionWaitMs / 1000)} s; are the projections running?`);
          }
          logger.info({ position, reason: code }, 'waiting for the projections to catch up');
          if (code === 'projection_unavailable') await sleep(200, undefined, { signal: controller.signal });
        }
      }
    },
  };

  try {
    const result = await EXECUTORS[job.kind](ctx);
    const done = await lease.finish(result);
    options.onProgress?.(done);
    logger.info({ result }, 'job done');
    return done;
  } catch (error) {
    const outcome = outcomeOf(error, controller.signal.aborted);
    try {
      if (outcome.kind === 'pause') {
        const paused = await lease.pause(outcome.error, settings.quotaResumeAt(new Date()));
        logger.warn({ error: outcome.error }, 'job paused');
        options.onProgress?.(paused);
        return paused;
      }
      if (outcome.kind === 'fail') {
        const failed = await lease.fail(outcome.error);
        logger.error({ error: outcome.error }, 'job failed');
        options.onProgress?.(failed);
        return failed;
      }
      if (error instanceof LeaseLostError || controller.signal.reason instanceof LeaseLostError) {
        logger.warn('job lease lost: another instance continues it');
        return null;
      }
      await lease.release();
      logger.info('job handed back unfinished');
      return null;
    } catch (recordError) {
      if (recordError instanceof LeaseLostError) return null;
      throw recordError;
    }
  } finally {
    clearInterval(heartbeat);
    options.signal?.removeEventListener('abort', stopOuter);
  }
}
