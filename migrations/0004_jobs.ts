import { sql, type Kysely } from 'kysely';

/**
 * Long-running jobs (reconciliation, unionid backfill, openid conversion). A job's progress and
 * resume state live here so any instance can continue it: a runner claims a job with a lease
 * (`lease_owner`, `lease_until`) and renews it while it works; a job whose lease ran out (its
 * process died) is claimable again. Every write of a running job is fenced by `lease_owner`, so
 * an instance that lost its lease cannot overwrite its successor's progress.
 *
 * One job of a kind per account at a time: a unique index over the unfinished statuses. A paused
 * job (WeChat quota exhausted) still holds its place; a failed one does not.
 *
 * Work lists (a follower snapshot, the openids to convert) are per-job tables created by the job
 * code and dropped when it is done, so a million-row list costs one DROP, not a million DELETEs.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table jobs (
      id uuid primary key,
      kind text not null check (kind in ('reconciliation', 'unionid-backfill', 'openid-conversion')),
      appid text not null,
      params jsonb not null default '{}',
      status text not null check (status in ('queued', 'running', 'paused', 'failed', 'done')),
      phase text not null default 'queued',
      progress_done bigint not null default 0,
      progress_total bigint,
      rate double precision,
      state jsonb not null default '{}',
      result jsonb,
      error jsonb,
      lease_owner text,
      lease_until timestamptz,
      resume_at timestamptz,
      attempts integer not null default 0,
      created_at timestamptz not null default now(),
      started_at timestamptz,
      updated_at timestamptz not null default now(),
      finished_at timestamptz
    )`.execute(db);
  await sql`create unique index jobs_one_unfinished_per_account on jobs (kind, appid) where status in ('queued', 'running', 'paused')`.execute(db);
  await sql`create index jobs_claimable on jobs (created_at) where status in ('queued', 'running', 'paused')`.execute(db);
  await sql`create index jobs_recent on jobs (created_at desc)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table jobs`.execute(db);
}
