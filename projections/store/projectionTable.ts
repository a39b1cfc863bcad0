import { sql, type Kysely, type RawBuilder } from 'kysely';
import { filterKeyOf } from '../keyFilter.ts';
import { keyOf, type Key } from '../key.ts';
import type { ProjectionName } from '../projection.ts';
import { columnList, loadRowsQuery, writeRowsParts, type Column } from './tableColumns.ts';

/** Any connection or transaction: table code never decides where it runs. */
export type Queryable = Kysely<any>;

/**
 * What a batch changed: rows new to the table, rows it had (and the batch loaded), and the keys
 * (`keyOf`'s two parts) of loaded rows the fold deleted (daily-stats forgets an erased follower's row).
 */
export type RowChanges<Row> = { insert: readonly Row[]; update: readonly Row[]; remove?: readonly (readonly [string, string])[] };

/**
 * The SQL side of one projection: its versioned table and the two statements a batch takes
 * (load the touched rows; write the changed ones with the checkpoint), each one round trip
 * whatever the batch size. Rows cross the boundary as the fold's own row type, so the fold never sees SQL.
 */
export type ProjectionTable<Row> = {
  name: ProjectionName;
  /** Creates the table with its primary key only: a rebuild loads faster without the other indexes. */
  createTable(db: Queryable, table: string): Promise<void>;
  /** The indexes queries need; idempotent, created before a version becomes active. */
  createIndexes(db: Queryable, table: string): Promise<void>;
  load(db: Queryable, table: string, keys: readonly Key[]): Promise<Row[]>;
  /**
   * The changes as CTEs named after `tag`, written only if `advance` (a checkpoint
   * compare-and-set, as CTE `<tag>moved`) moves: see writeBatches.ts, which runs them.
   */
  writeParts(tag: string, table: string, changes: RowChanges<Row>, advance: RawBuilder<{ moved: number }>): RawBuilder<unknown>[];
  /** Every row, for `verifyProjections`. */
  readAll(db: Queryable, table: string): Promise<Row[]>;
  keyOfRow(row: Row): string;
  /** The row's key as the batch's key filter knows it (keyFilter.ts `filterKeyOf` of its `Key`). */
  filterKeyOfRow(row: Row): string;
};

/** `proj_identity_links_v3`: the only place a table name is made from a projection name. */
export function tableNameOf(name: ProjectionName, version: number): string {
  if (!Number.isSafeInteger(version) || version < 1) throw new RangeError(`not a projection version: ${version}`);
  return `proj_${name.replaceAll('-', '_')}_v${version}`;
}

/** A projection table from its DDL, its columns and how a selected row becomes a fold row. */
export function defineProjectionTable<Row extends Key, SqlRow>(definition: {
  name: ProjectionName;
  columns: readonly Column<Row>[];
  fromSql(row: SqlRow): Row;
  createTable(db: Queryable, table: string): Promise<void>;
  createIndexes(db: Queryable, table: string): Promise<void>;
}): ProjectionTable<Row> {
  const { columns, fromSql } = definition;
  return {
    name: definition.name,
    createTable: definition.createTable,
    createIndexes: definition.createIndexes,
    async load(db, table, keys) {
      if (keys.length === 0) return [];
      const { rows } = await loadRowsQuery<Row, SqlRow>(table, columns, keys).execute(db);
      return rows.map(fromSql);
    },
    writeParts: (tag, table, changes, advance) => writeRowsParts(tag, table, columns, changes, advance),
    async readAll(db, table) {
      const { rows } = await sql<SqlRow>`select ${columnList(columns)} from ${sql.table(table)}`.execute(db);
      return rows.map(fromSql);
    },
    keyOfRow: (row) => keyOf(row.appid, row.openid),
    filterKeyOfRow: (row) => filterKeyOf(row),
  };
}
