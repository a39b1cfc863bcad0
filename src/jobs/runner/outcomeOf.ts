import { WechatApiError } from '../../wechat/api/errcodes.ts';
import type { JobError } from '../job.ts';
import { JobStoppedError, LeaseLostError } from '../jobErrors.ts';

export type JobOutcome =
  | { kind: 'pause'; error: JobError }
  | { kind: 'fail'; error: JobError }
  /** Someone else holds the job now, or we are shutting down: leave it as it is. */
  | { kind: 'leave' };

/** What becomes of a job whose run threw `error`. */
export function outcomeOf(error: unknown, aborted: boolean): JobOutcome {
  if (error instanceof LeaseLostError) return { kind: 'leave' };
  if (error instanceof JobStoppedError) return { kind: 'fail', error: error.toJobError() };
  if (error instanceof WechatApiError && error.kind === 'quota_exhausted') {
    return {
      kind: 'pause',
      error: {
        code: error.code,
        message: `paused: WeChat's daily quota for ${error.api} of ${error.appid} is exhausted (45009); the job continues by itself after the quota resets, or run \`identity-ledger resume <job id>\` (POST /v1/jobs/<id>/resume) once it has been reset`,
      },
    };
  }
  if (aborted) return { kind: 'leave' };
  if (error instanceof WechatApiError) return { kind: 'fail', error: { code: error.code, message: error.message } };
  const message = error instanceof Error ? error.message : String(error);
  return { kind: 'fail', error: { code: 'job_failed', message: `${message}; fix the cause and run \`identity-ledger resume <job id>\`` } };
}
