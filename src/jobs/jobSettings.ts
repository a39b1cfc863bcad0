/** How jobs run; defaults suit production, tests shorten the times. */
export type JobSettings = {
  /** A claimed job's lease; a job whose holder stops renewing it is claimable after this. */
  leaseMs: number;
  /** How often the holder renews the lease while it works. */
  heartbeatMs: number;
  /** How often an idle runner looks for claimable jobs (a NOTIFY wakes it sooner). */
  pollMs: number;
  /** Jobs one runner works on at a time. */
  concurrency: number;
  /** WeChat calls one job keeps in flight (the client's rate limiter still bounds the rate). */
  callConcurrency: number;
  /** Transient failures (system busy, network, 45011, database blips): attempts and backoff. */
  retry: { attempts: number; baseMs: number; maxMs: number };
  /** How long a job waits for the projections to reach a position before it fails. */
  projectionWaitMs: number;
  /** When a paused (45009) job is retried by itself; default: the next WeChat quota reset. */
  quotaResumeAt: (now: Date) => Date;
};

/** WeChat resets daily API quotas at midnight Beijing time (UTC+8). */
export function nextQuotaReset(now: Date): Date {
  const beijing = 8 * 3600_000;
  const day = 86_400_000;
  return new Date(Math.floor((now.getTime() + beijing) / day) * day + day - beijing);
}

export function jobSettings(overrides: Partial<JobSettings> = {}, env: NodeJS.ProcessEnv = process.env): JobSettings {
  const leaseMs = overrides.leaseMs ?? (env.JOB_LEASE_SECONDS ? Number(env.JOB_LEASE_SECONDS) * 1000 : 30_000);
  if (!(leaseMs > 0)) throw new RangeError(`JOB_LEASE_SECONDS: not a positive number: ${env.JOB_LEASE_SECONDS}`);
  return {
    leaseMs,
    heartbeatMs: overrides.heartbeatMs ?? Math.max(100, Math.floor(leaseMs / 3)),
    pollMs: overrides.pollMs ?? 2000,
    concurrency: overrides.concurrency ?? 2,
    callConcurrency: overrides.callConcurrency ?? (env.JOB_CALL_CONCURRENCY ? Number(env.JOB_CALL_CONCURRENCY) : 8),
    retry: overrides.retry ?? { attempts: 6, baseMs: 500, maxMs: 30_000 },
    projectionWaitMs: overrides.projectionWaitMs ?? 10 * 60_000,
    quotaResumeAt: overrides.quotaResumeAt ?? nextQuotaReset,
  };
}
