import { sql, type Kysely } from 'kysely';

/**
 * State the service keeps about WeChat that is not a fact about users, so it is not in the
 * ledger: the shared access token (one per appid for all instances) and MP session keys
 * (encrypted at rest; needed for later decrypt calls, never returned).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table wechat_access_tokens (
      appid text primary key,
      access_token text not null,
      expires_at timestamptz not null,
      fetched_at timestamptz not null default now()
    )`.execute(db);
  await sql`
    create table mp_sessions (
      appid text not null,
      openid text not null,
      session_key_enc text not null,
      updated_at timestamptz not null default now(),
      primary key (appid, openid)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table mp_sessions`.execute(db);
  await sql`drop table wechat_access_tokens`.execute(db);
}
