import type { ColumnType, Kysely } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** int8 columns: pg hands them back as strings unless told otherwise; we read them with Number(). */
type Int8 = ColumnType<string | number, number | string | bigint, number | string | bigint>;

export interface EventsTable {
  position: Int8;
  id: string;
  type: string;
  stream: string;
  stream_version: number;
  data: ColumnType<Record<string, unknown>, string, never>;
  meta: ColumnType<Record<string, unknown>, string, never>;
  idempotency_key: string;
  appid: string;
  openid: string | null;
  unionid: string | null;
  occurred_at: Timestamp;
  recorded_at: Timestamp;
  prev_hash: string;
  hash: string;
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
}

export type Db = Kysely<Database>;
