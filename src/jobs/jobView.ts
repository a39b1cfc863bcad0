import type { Job } from './job.ts';

/** A job as the HTTP API and the CLI show it (shared/DESIGN.md §4, with rate and ETA added). */
export type JobView = {
  id: string;
  kind: Job['kind'];
  appid: string;
  status: Job['status'];
  phase: string;
  progress: { done: number; total: number | null };
  /** Items per second of the current phase; null when not running. */
  rate: number | null;
  /** When the current phase should end at this rate; null when unknown. */
  eta: string | null;
  etaSeconds: number | null;
  result: Record<string, unknown> | null;
  error: { code: string; message: string } | null;
  params: Record<string, unknown>;
  attempts: number;
  createdAt: string;
  startedAt: string | null;
  updatedAt: string;
  finishedAt: string | null;
  /** A paused job continues by itself at this time. */
  resumeAt: string | null;
};

export function jobView(job: Job, now: Date = new Date()): JobView {
  const { done, total } = job.progress;
  // The rate was measured when the row was written: the ETA counts from then.
  const etaAt =
    job.status === 'running' && job.rate && job.rate > 0 && total !== null && total >= done
      ? new Date(Date.parse(job.updatedAt) + ((total - done) / job.rate) * 1000)
      : null;
  const etaSeconds = etaAt === null ? null : Math.max(0, Math.ceil((etaAt.getTime() - now.getTime()) / 1000));
  return {
    id: job.id,
    kind: job.kind,
    appid: job.appid,
    status: job.status,
    phase: job.phase,
    progress: { done, total },
    rate: job.status === 'running' && job.rate !== null ? Math.round(job.rate * 10) / 10 : null,
    eta: etaAt === null ? null : etaAt.toISOString(),
    etaSeconds,
    result: job.result,
    error: job.error,
    params: publicParams(job.params),
    attempts: job.attempts,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    updatedAt: job.updatedAt,
    finishedAt: job.finishedAt,
    resumeAt: job.resumeAt,
  };
}

/** Params as requested; internal bookkeeping (the from_appid forms to try) stays inside. */
function publicParams(params: Record<string, unknown>): Record<string, unknown> {
  const { fromCandidates: _internal, ...rest } = params;
  return rest;
}
