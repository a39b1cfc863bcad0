import { z } from 'zod';

export const JobKind = z.enum(['reconciliation', 'unionid-backfill', 'openid-conversion']);
export type JobKind = z.infer<typeof JobKind>;

export const JobStatus = z.enum(['queued', 'running', 'paused', 'failed', 'done']);
export type JobStatus = z.infer<typeof JobStatus>;

export type JobError = { code: string; message: string };

/** A job as stored. `state` is the kind's own resume state (cursors, counters, phase data). */
export type Job = {
  id: string;
  kind: JobKind;
  /** The account the job works for (a conversion's NEW account). */
  appid: string;
  params: Record<string, unknown>;
  status: JobStatus;
  phase: string;
  progress: { done: number; total: number | null };
  /** Items per second, measured by the instance running it; null when not running. */
  rate: number | null;
  state: Record<string, unknown>;
  result: Record<string, unknown> | null;
  error: JobError | null;
  leaseOwner: string | null;
  leaseUntil: string | null;
  resumeAt: string | null;
  attempts: number;
  createdAt: string;
  startedAt: string | null;
  updatedAt: string;
  finishedAt: string | null;
};
