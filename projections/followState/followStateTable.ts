import { sql } from 'kysely';
import type { EventSource } from '../../src/ledger/events.ts';
import { isoTime, isoTimeOrNull } from '../store/isoTime.ts';
import { defineProjectionTable, type Queryable } from '../store/projectionTable.ts';
import type { Column } from '../store/tableColumns.ts';
import type { FollowRow } from './followRow.ts';

/** A follow-state row as stored; the contract other modules (jobs) read in SQL. */
export type FollowStateSqlRow = {
  appid: string;
  openid: string;
  subscribed: boolean;
  subscribed_at: Date | string | null;
  unsubscribed_at: Date | string | null;
  scene: string | null;
  source: string;
  decided_at: Date | string;
  decided_position: number | string;
  subscribed_position: number | string | null;
};

const columns: Column<FollowRow>[] = [
  { name: 'appid', type: 'text', value: (r) => r.appid },
  { name: 'openid', type: 'text', value: (r) => r.openid },
  { name: 'subscribed', type: 'bool', value: (r) => r.subscribed },
  { name: 'subscribed_at', type: 'timestamptz', value: (r) => r.subscribedAt },
  { name: 'unsubscribed_at', type: 'timestamptz', value: (r) => r.unsubscribedAt },
  { name: 'scene', type: 'text', value: (r) => r.scene },
  { name: 'source', type: 'text', value: (r) => r.source },
  { name: 'decided_at', type: 'timestamptz', value: (r) => r.decidedAt },
  { name: 'decided_position', type: 'int8', value: (r) => r.decidedPosition },
  { name: 'subscribed_position', type: 'int8', value: (r) => r.subscribedPosition },
];

/*
 * "C" collation: identifiers are compared byte-wise, which is faster, and keyset pages come in
 * the order JavaScript sorts strings.
 */
async function createTable(db: Queryable, table: string): Promise<void> {
  await sql`
    create table if not exists ${sql.table(table)} (
      appid text collate "C" not null,
      openid text collate "C" not null,
      subscribed boolean not null,
      subscribed_at timestamptz,
      unsubscribed_at timestamptz,
      scene text,
      source text not null,
      decided_at timestamptz not null,
      decided_position bigint not null,
      subscribed_position bigint,
      primary key (appid, openid)
    )`.execute(db);
}

/** Followers of an account, paged by openid: an index-only range scan of the subscribed rows. */
async function createIndexes(db: Queryable, table: string): Promise<void> {
  await sql`create index if not exists ${sql.id(`${table}_followers`)} on ${sql.table(table)} (appid, openid) where subscribed`.execute(db);
}

export function followRowFromSql(row: FollowStateSqlRow): FollowRow {
  return {
    appid: row.appid,
    openid: row.openid,
    subscribed: row.subscribed,
    subscribedAt: isoTimeOrNull(row.subscribed_at),
    unsubscribedAt: isoTimeOrNull(row.unsubscribed_at),
    scene: row.scene,
    source: row.source as EventSource,
    decidedAt: isoTime(row.decided_at),
    decidedPosition: Number(row.decided_position),
    subscribedPosition: row.subscribed_position === null ? null : Number(row.subscribed_position),
  };
}

export const followStateTable = defineProjectionTable<FollowRow, FollowStateSqlRow>({
  name: 'follow-state',
  columns,
  fromSql: followRowFromSql,
  createTable,
  createIndexes,
});
