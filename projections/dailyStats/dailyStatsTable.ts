import { sql } from 'kysely';
import { keyOf } from '../key.ts';
import type { ProjectionTable, Queryable } from '../store/projectionTable.ts';
import { arrayLiteral, columnList, writeRowsParts, type Column } from '../store/tableColumns.ts';
import type { Cohort, SceneBucket, StatsRow } from './statsRow.ts';

/** A daily-stats row as stored; the stats queries read it in SQL. */
export type DailyStatsSqlRow = {
  appid: string;
  key: string;
  kind: StatsRow['kind'];
  day: string | null;
  bucket: SceneBucket | null;
  scene: string | null;
  new: number;
  lost: number;
  reconciled_in: number;
  reconciled_out: number;
  erased_following: number;
  erasures: number;
  detail: Record<string, unknown> | null;
};

const counter = (row: StatsRow, name: 'new' | 'lost' | 'reconciledIn' | 'reconciledOut' | 'erasedFollowing' | 'erasures'): number =>
  row.kind === 'day' ? row[name] : row.kind === 'scene' && (name === 'new' || name === 'lost') ? row[name] : 0;

/** What does not fit the counters: a follower's state and cohorts, a run's figures. */
function detailOf(row: StatsRow): string | null {
  if (row.kind === 'follower') return JSON.stringify({ subscribed: row.subscribed, decidedAt: row.decidedAt, decidedPosition: row.decidedPosition, cohorts: row.cohorts });
  if (row.kind === 'run') return JSON.stringify({ startedAt: row.startedAt, completedAt: row.completedAt, followers: row.followers, added: row.added, removed: row.removed });
  return null;
}

const columns: Column<StatsRow>[] = [
  { name: 'appid', type: 'text', value: (r) => r.appid },
  { name: 'key', type: 'text', value: (r) => r.key },
  { name: 'kind', type: 'text', value: (r) => r.kind },
  { name: 'day', type: 'text', value: (r) => (r.kind === 'follower' ? null : r.day) },
  { name: 'bucket', type: 'text', value: (r) => (r.kind === 'scene' ? r.bucket : null) },
  { name: 'scene', type: 'text', value: (r) => (r.kind === 'scene' ? r.scene : null) },
  { name: 'new', type: 'int4', value: (r) => counter(r, 'new') },
  { name: 'lost', type: 'int4', value: (r) => counter(r, 'lost') },
  { name: 'reconciled_in', type: 'int4', value: (r) => counter(r, 'reconciledIn') },
  { name: 'reconciled_out', type: 'int4', value: (r) => counter(r, 'reconciledOut') },
  { name: 'erased_following', type: 'int4', value: (r) => counter(r, 'erasedFollowing') },
  { name: 'erasures', type: 'int4', value: (r) => counter(r, 'erasures') },
  { name: 'detail', type: 'jsonb', value: detailOf },
];

export function statsRowFromSql(row: DailyStatsSqlRow): StatsRow {
  const { appid, key } = row;
  const detail = (row.detail ?? {}) as Record<string, any>;
  switch (row.kind) {
    case 'day':
      return { appid, key, kind: 'day', day: row.day!, new: row.new, lost: row.lost, reconciledIn: row.reconciled_in, reconciledOut: row.reconciled_out, erasedFollowing: row.erased_following, erasures: row.erasures };
    case 'scene':
      return { appid, key, kind: 'scene', day: row.day!, bucket: row.bucket!, scene: row.scene, new: row.new, lost: row.lost };
    case 'run':
      return { appid, key, kind: 'run', day: row.day!, startedAt: detail.startedAt, completedAt: detail.completedAt, followers: detail.followers, added: detail.added, removed: detail.removed };
    case 'follower':
      return { appid, key, kind: 'follower', subscribed: detail.subscribed, decidedAt: detail.decidedAt, decidedPosition: detail.decidedPosition, cohorts: detail.cohorts as Cohort[] };
  }
}

/*
 * One table, keyed by (appid, key) in "C" collation: each kind of row of an account is one range
 * of the primary key (statsRow.ts), so the stats routes need no other index.
 */
async function createTable(db: Queryable, table: string): Promise<void> {
  await sql`
    create table if not exists ${sql.table(table)} (
      appid text collate "C" not null,
      key text collate "C" not null,
      kind text not null,
      day text collate "C",
      bucket text,
      scene text,
      new integer not null default 0,
      lost integer not null default 0,
      reconciled_in integer not null default 0,
      reconciled_out integer not null default 0,
      erased_following integer not null default 0,
      erasures integer not null default 0,
      detail jsonb,
      primary key (appid, key)
    )`.execute(db);
}

const KEY_COLUMNS = ['appid', 'key'] as const;

/**
 * The daily-stats side of the projection framework (projectionTable.ts), written by hand for its
 * `(appid, key)` key. Loading a follower's row also loads the scene row of their latest cohort:
 * an unsubscribe counts in it, and only the follower's row says which it is.
 */
export const dailyStatsTable: ProjectionTable<StatsRow> = {
  name: 'daily-stats',
  createTable,
  createIndexes: async () => {},
  async load(db, table, keys) {
    if (keys.length === 0) return [];
    const t = sql.table(table);
    const { rows } = await sql<DailyStatsSqlRow>`
      with wanted as (
        select ${columnList(columns, 't.')}
        from unnest(${arrayLiteral(keys, (k) => k.appid)}::text[], ${arrayLiteral(keys, (k) => k.openid)}::text[]) as k(appid, key)
        join ${t} t on t.appid = k.appid and t.key = k.key),
      cohorts as (
        select distinct w.appid, 's:' || (c->>'day') || ':' || case when c->>'bucket' = 'scene' then '=' || (c->>'scene') else c->>'bucket' end as key
        from wanted w, lateral (select w.detail->'cohorts'->-1 as c) last
        where w.kind = 'follower' and c is not null)
      select * from wanted
      union all
      select ${columnList(columns, 't.')} from cohorts c join ${t} t on t.appid = c.appid and t.key = c.key
      where not exists (select 1 from wanted w where w.appid = c.appid and w.key = c.key)`.execute(db);
    return rows.map(statsRowFromSql);
  },
  writeParts: (tag, table, changes, advance) => writeRowsParts(tag, table, columns, changes, advance, KEY_COLUMNS),
  async readAll(db, table) {
    const { rows } = await sql<DailyStatsSqlRow>`select ${columnList(columns)} from ${sql.table(table)}`.execute(db);
    return rows.map(statsRowFromSql);
  },
  keyOfRow: (row) => keyOf(row.appid, row.key),
  filterKeyOfRow: (row) => `${row.appid}\u0000${row.key}`,
};
