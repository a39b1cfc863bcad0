import { CommandError } from '../commands/commandError.ts';
import type { JobError, JobKind } from './job.ts';

/**
 * Refusals when a job is requested or resumed. They are CommandErrors, so HTTP maps them to
 * `{error: {code, message}}` with their status and the CLI prints the message.
 */
export const JobRefusal = {
  alreadyRunning: (kind: JobKind, appid: string, jobId: string) => new JobConflictError(kind, appid, jobId),
  unknownAccount: (appid: string) => new CommandError('unknown_appid', 404, `${appid} is not a configured account`),
  notOfficialAccount: (appid: string, what: string) =>
    new CommandError('not_an_official_account', 400, `${appid} is not an Official Account: ${what} needs an OA`),
  notFound: (id: string) => new CommandError('job_not_found', 404, `no job ${id}`),
  notResumable: (id: string, status: string) => new CommandError('job_not_resumable', 409, `job ${id} is ${status}; only paused or failed jobs are resumed`),
  invalid: (code: string, message: string) => new CommandError(code, 400, message),
};

/** One job of a kind per account at a time: the unfinished one is `existingJobId`. */
export class JobConflictError extends CommandError {
  override name = 'JobConflictError';
  constructor(
    kind: JobKind,
    appid: string,
    readonly existingJobId: string,
  ) {
    super('job_already_running', 409, `a ${kind} job for ${appid} is already unfinished (${existingJobId}); resume it or wait for it`);
  }
}

/** Another instance holds the job now (our lease ran out): stop touching it. */
export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
  constructor(readonly jobId: string) {
    super(`lost the lease on job ${jobId}`);
  }
}

/** The job cannot go on and retrying will not help (e.g. 63178): it fails with this error. */
export class JobStoppedError extends Error {
  override name = 'JobStoppedError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  toJobError(): JobError {
    return { code: this.code, message: this.message };
  }
}
