import { sql, type Kysely } from 'kysely';

/**
 * Signed callback URLs seen within the timestamp window (src/wechat/callbackNonces.ts): a
 * captured URL may be replayed with the same body (WeChat's retries do) but not with another.
 *
 * `key` is a sha256 of the signed URL (since the cross-account fix: timestamp, nonce and
 * signature, the appid being part of `content_digest`): one 32-byte index entry per push instead
 * of several text columns. There is no index on `expires_at`: the sweep reads the table once a
 * minute per instance, and an index would cost every push a second B-tree insert on the webhook's
 * path. Rows are deleted, not updated, so the table stays the size of one window of pushes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table callback_nonces (
      key bytea primary key,
      content_digest bytea not null,
      expires_at timestamptz not null
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table callback_nonces`.execute(db);
}
