import { sql } from 'kysely';
import type { AccountKind } from '../projection.ts';
import { isoTime } from '../store/isoTime.ts';
import { defineProjectionTable, type Queryable } from '../store/projectionTable.ts';
import type { Column } from '../store/tableColumns.ts';
import type { AccountRef, IdentityRow } from './identityRow.ts';

/** An identity-links row as stored; the contract other modules (jobs) read in SQL. */
export type IdentityLinksSqlRow = {
  appid: string;
  openid: string;
  kind: string | null;
  unionid: string | null;
  unionid_reported: boolean;
  unionid_conflict: string[] | string;
  converted_to_appid: string | null;
  converted_to_openid: string | null;
  converted_from_appid: string | null;
  converted_from_openid: string | null;
  first_seen_at: Date | string;
  last_seen_at: Date | string;
  last_position: number | string;
};

const columns: Column<IdentityRow>[] = [
  { name: 'appid', type: 'text', value: (r) => r.appid },
  { name: 'openid', type: 'text', value: (r) => r.openid },
  { name: 'kind', type: 'text', value: (r) => r.kind },
  { name: 'unionid', type: 'text', value: (r) => r.unionid },
  { name: 'unionid_reported', type: 'bool', value: (r) => r.unionidReported },
  { name: 'unionid_conflict', type: 'jsonb', value: (r) => JSON.stringify(r.unionidConflict) },
  { name: 'converted_to_appid', type: 'text', value: (r) => r.convertedTo?.appid ?? null },
  { name: 'converted_to_openid', type: 'text', value: (r) => r.convertedTo?.openid ?? null },
  { name: 'converted_from_appid', type: 'text', value: (r) => r.convertedFrom?.appid ?? null },
  { name: 'converted_from_openid', type: 'text', value: (r) => r.convertedFrom?.openid ?? null },
  { name: 'first_seen_at', type: 'timestamptz', value: (r) => r.firstSeenAt },
  { name: 'last_seen_at', type: 'timestamptz', value: (r) => r.lastSeenAt },
  { name: 'last_position', type: 'int8', value: (r) => r.lastPosition },
];

/** "C" collation: byte-wise comparison, faster, and the order JavaScript sorts strings in. */
async function createTable(db: Queryable, table: string): Promise<void> {
  await sql`
    create table if not exists ${sql.table(table)} (
      appid text collate "C" not null,
      openid text collate "C" not null,
      kind text,
      unionid text collate "C",
      unionid_reported boolean not null default false,
      unionid_conflict jsonb not null default '[]',
      converted_to_appid text,
      converted_to_openid text,
      converted_from_appid text,
      converted_from_openid text,
      first_seen_at timestamptz not null,
      last_seen_at timestamptz not null,
      last_position bigint not null,
      primary key (appid, openid)
    )`.execute(db);
}

/**
 * Lookups by unionid (linked accounts, follow-status) and the backfill job's list of an account's
 * rows still lacking one.
 */
async function createIndexes(db: Queryable, table: string): Promise<void> {
  await sql`create index if not exists ${sql.id(`${table}_unionid`)} on ${sql.table(table)} (unionid)`.execute(db);
  await sql`create index if not exists ${sql.id(`${table}_pending_unionid`)} on ${sql.table(table)} (appid) where unionid is null`.execute(db);
}

export function identityRowFromSql(row: IdentityLinksSqlRow): IdentityRow {
  return {
    appid: row.appid,
    openid: row.openid,
    kind: row.kind as AccountKind | null,
    unionid: row.unionid,
    unionidReported: row.unionid_reported === true,
    unionidConflict: typeof row.unionid_conflict === 'string' ? JSON.parse(row.unionid_conflict) : row.unionid_conflict,
    convertedTo: refOf(row.converted_to_appid, row.converted_to_openid),
    convertedFrom: refOf(row.converted_from_appid, row.converted_from_openid),
    firstSeenAt: isoTime(row.first_seen_at),
    lastSeenAt: isoTime(row.last_seen_at),
    lastPosition: Number(row.last_position),
  };
}

function refOf(appid: string | null, openid: string | null): AccountRef | null {
  return appid === null || openid === null ? null : { appid, openid };
}

export const identityLinksTable = defineProjectionTable<IdentityRow, IdentityLinksSqlRow>({
  name: 'identity-links',
  columns,
  fromSql: identityRowFromSql,
  createTable,
  createIndexes,
});
