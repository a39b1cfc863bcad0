import type { ColumnType, Kysely } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** int8 columns: pg hands them back as strings unless told otherwise; we read them with Number(). */
type Int8 = ColumnType<string | number, number | string | bigint, number | string | bigint>;

/** The ledger as stored (migration 0005): personal fields sealed, lookups by pseudonym. */
export interface EventsTable {
  position: Int8;
  id: string;
  type: string;
  stream: string;
  stream_version: number;
  appid: string;
  subject: string | null;
  subject_key: string | null;
  related: string | null;
  unionid: string | null;
  fingerprint: string;
  idempotency_key: string;
  data: ColumnType<Record<string, unknown>, string, never>;
  meta: ColumnType<Record<string, unknown>, string, never>;
  occurred_at: Timestamp;
  recorded_at: Timestamp;
  digest: string;
  prev_hash: string;
  hash: string;
}

/** A subject's data key, wrapped by the master key `kid`. Deleting the row erases the subject. */
export interface SubjectKeysTable {
  id: string;
  subject: string;
  appid: string;
  kid: string;
  wrapped: Buffer;
  created_at: ColumnType<Date, Date | string | undefined, never>;
}

/** Erased pseudonyms, kept for a bounded time: a late fact older than the erasure is dropped. */
export interface ErasureRegisterTable {
  subject: string;
  appid: string;
  erased_at: Timestamp;
  erasure_id: string;
}

/** One row per erasure: what was asked for and what it removed (counts, never personal data). */
export interface ErasuresTable {
  id: string;
  erased_at: ColumnType<Date, Date | string | undefined, never>;
  scope: string;
  reason: string;
  appid: string | null;
  subject: string;
  result: ColumnType<Record<string, unknown>, string, string>;
}

export interface OutboxCursorsTable {
  name: string;
  position: Int8;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface WechatAccessTokensTable {
  appid: string;
  access_token: string;
  expires_at: Timestamp;
  fetched_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface MpSessionsTable {
  appid: string;
  openid: string;
  session_key_enc: string;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/**
 * Tables created by migrations. Projection tables are versioned (blue/green) and created by the
 * projections themselves, so they are addressed with `sql` and dynamic names, not typed here.
 */
export interface Database {
  events: EventsTable;
  outbox_cursors: OutboxCursorsTable;
  wechat_access_tokens: WechatAccessTokensTable;
  mp_sessions: MpSessionsTable;
  subject_keys: SubjectKeysTable;
  erasure_register: ErasureRegisterTable;
  erasures: ErasuresTable;
}

export type Db = Kysely<Database>;
