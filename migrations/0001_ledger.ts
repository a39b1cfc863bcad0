import { sql, type Kysely } from 'kysely';

/**
 * The ledger: the only source of truth. Positions are assigned by the appender under an
 * advisory lock (not a sequence, which would leave gaps on rollback), so they are gapless and
 * commit-ordered. A trigger refuses UPDATE, DELETE and TRUNCATE: immutability is enforced by
 * the database, not by convention.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table events (
      position bigint primary key,
      id uuid not null unique,
      type text not null,
      stream text not null,
      stream_version integer not null,
      data jsonb not null,
      meta jsonb not null,
      idempotency_key text not null unique,
      appid text not null,
      openid text,
      unionid text,
      occurred_at timestamptz not null,
      recorded_at timestamptz not null,
      prev_hash text not null,
      hash text not null,
      unique (stream, stream_version)
    )`.execute(db);
  await sql`create index events_type_position on events (type, position)`.execute(db);
  await sql`create index events_appid_position on events (appid, position)`.execute(db);
  await sql`create index events_openid_position on events (openid, position) where openid is not null`.execute(db);
  await sql`create index events_unionid_position on events (unionid, position) where unionid is not null`.execute(db);
  // Conversions are found from both sides.
  await sql`create index events_to_openid on events ((data->>'toOpenid'), position) where type = 'openid.converted'`.execute(db);

  await sql`
    create function events_refuse_change() returns trigger language plpgsql as $$
    begin
      raise exception 'the ledger is append-only: % on events is refused', tg_op
        using errcode = 'restrict_violation';
    end $$`.execute(db);
  await sql`create trigger events_no_update before update or delete on events for each row execute function events_refuse_change()`.execute(db);
  await sql`create trigger events_no_truncate before truncate on events for each statement execute function events_refuse_change()`.execute(db);

  await sql`
    create table outbox_cursors (
      name text primary key,
      position bigint not null default 0,
      updated_at timestamptz not null default now()
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table outbox_cursors`.execute(db);
  await sql`drop table events`.execute(db);
  await sql`drop function events_refuse_change`.execute(db);
}
