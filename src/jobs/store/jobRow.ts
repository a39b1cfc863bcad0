import type { Job, JobError, JobKind, JobStatus } from '../job.ts';

/** A `jobs` row as PostgreSQL (or PGlite) hands it back. */
export type JobSqlRow = {
  id: string;
  kind: string;
  appid: string;
  params: Record<string, unknown> | string;
  status: string;
  phase: string;
  progress_done: number | string;
  progress_total: number | string | null;
  rate: number | null;
  state: Record<string, unknown> | string;
  result: Record<string, unknown> | string | null;
  error: JobError | string | null;
  lease_owner: string | null;
  lease_until: Date | string | null;
  resume_at: Date | string | null;
  attempts: number;
  created_at: Date | string;
  started_at: Date | string | null;
  updated_at: Date | string;
  finished_at: Date | string | null;
};

export function rowToJob(row: JobSqlRow): Job {
  return {
    id: row.id,
    kind: row.kind as JobKind,
    appid: row.appid,
    params: json(row.params) ?? {},
    status: row.status as JobStatus,
    phase: row.phase,
    progress: { done: Number(row.progress_done), total: row.progress_total === null ? null : Number(row.progress_total) },
    rate: row.rate === null ? null : Number(row.rate),
    state: json(row.state) ?? {},
    result: json(row.result),
    error: json(row.error),
    leaseOwner: row.lease_owner,
    leaseUntil: iso(row.lease_until),
    resumeAt: iso(row.resume_at),
    attempts: row.attempts,
    createdAt: iso(row.created_at)!,
    startedAt: iso(row.started_at),
    updatedAt: iso(row.updated_at)!,
    finishedAt: iso(row.finished_at),
  };
}

function json<T>(value: T | string | null): T | null {
  return typeof value === 'string' ? (JSON.parse(value) as T) : value;
}

function iso(value: Date | string | null): string | null {
  if (value === null) return null;
  return (value instanceof Date ? value : new Date(value)).toISOString();
}
