import { sql, type RawBuilder } from 'kysely';

/** One column of a projection table: its name, its element type for array casts, its value. */
export type Column<Row> = { name: string; type: string; value(row: Row): unknown };

/** The two key columns of a table: `(appid, openid)` for the identity-keyed projections. */
export type KeyColumns = readonly [string, string];
const IDENTITY_KEY: KeyColumns = ['appid', 'openid'];

export function columnList<Row>(columns: readonly Column<Row>[], prefix = ''): RawBuilder<unknown> {
  return sql.raw(columns.map((c) => `${prefix}${c.name}`).join(', '));
}

/** One array parameter per column, cast to its type: the rows cross the wire column by column. */
function columnArrays<Row>(columns: readonly Column<Row>[], rows: readonly Row[]): RawBuilder<unknown> {
  return sql.join(columns.map((c) => sql`${arrayLiteral(rows, c.value)}::${sql.raw(c.type)}[]`));
}

const NEEDS_ESCAPE = /[\\"]/;

/**
 * The text form of a one-dimensional PostgreSQL array, built in one pass: pg's generic
 * serializer runs two regular expressions over every element, a measurable share of a rebuild.
 * Every element is quoted, so only backslashes and double quotes need escaping.
 */
export function arrayLiteral<T>(items: readonly T[], value: (item: T) => unknown): string {
  let literal = '{';
  for (let i = 0; i < items.length; i++) {
    if (i > 0) literal += ',';
    const v = value(items[i]!);
    if (v === null || v === undefined) {
      literal += 'NULL';
      continue;
    }
    const text = typeof v === 'string' ? v : String(v);
    literal += NEEDS_ESCAPE.test(text) ? `"${text.replace(/[\\"]/g, '\\$&')}"` : `"${text}"`;
  }
  return `${literal}}`;
}

/**
 * One table's share of a batch write, as the CTEs of a statement (writeBatches.ts joins the
 * shares of several tables into ONE statement, its own transaction), named after `tag`:
 * `<tag>moved` is `advance`, the checkpoint's compare-and-set (`returning 1 as moved`), and the
 * rows are written only if it moved. Another applier that wrote these rows since they were loaded
 * has moved the checkpoint too, so a stale batch writes nothing; one writing at the same time
 * holds the checkpoint's row lock, and this statement waits for it, then finds the checkpoint
 * moved. So the caller knows which rows are new (plain inserts) and which it loaded (updates),
 * with no need for `on conflict`, whose speculative insertion costs about 40% more per row.
 */
export function writeRowsParts<Row>(
  tag: string,
  table: string,
  columns: readonly Column<Row>[],
  changes: { insert: readonly Row[]; update: readonly Row[]; remove?: readonly (readonly [string, string])[] },
  advance: RawBuilder<{ moved: number }>,
  keyColumns: KeyColumns = IDENTITY_KEY,
): RawBuilder<unknown>[] {
  const names = columnList(columns);
  const moved = sql.id(`${tag}moved`);
  const [k0, k1] = keyColumns.map((name) => sql.raw(name)) as [RawBuilder<unknown>, RawBuilder<unknown>];
  const parts = [sql`${moved} as (${advance})`];
  if (changes.update.length > 0) {
    const assignments = sql.raw(columns.filter((c) => !keyColumns.includes(c.name)).map((c) => `${c.name} = u.${c.name}`).join(', '));
    parts.push(sql`${sql.id(`${tag}updated`)} as (update ${sql.table(table)} t set ${assignments}
            from unnest(${columnArrays(columns, changes.update)}) as u(${names})
            where t.${k0} = u.${k0} and t.${k1} = u.${k1} and exists (select 1 from ${moved}))`);
  }
  const remove = changes.remove ?? [];
  if (remove.length > 0) {
    parts.push(sql`${sql.id(`${tag}removed`)} as (delete from ${sql.table(table)} t
            using unnest(${arrayLiteral(remove, (k) => k[0])}::text[], ${arrayLiteral(remove, (k) => k[1])}::text[]) as k(a, b)
            where t.${k0} = k.a and t.${k1} = k.b and exists (select 1 from ${moved}))`);
  }
  if (changes.insert.length > 0) {
    parts.push(sql`${sql.id(`${tag}inserted`)} as (insert into ${sql.table(table)} (${names})
            select * from unnest(${columnArrays(columns, changes.insert)}) where exists (select 1 from ${moved}))`);
  }
  return parts;
}

/** The rows of the given keys, in one select: an index probe per key, joined from two arrays. */
export function loadRowsQuery<Row, SqlRow>(table: string, columns: readonly Column<Row>[], keys: readonly { appid: string; openid: string }[]): RawBuilder<SqlRow> {
  return sql<SqlRow>`
    select ${columnList(columns, 't.')}
    from unnest(${arrayLiteral(keys, (k) => k.appid)}::text[], ${arrayLiteral(keys, (k) => k.openid)}::text[]) as k(appid, openid)
    join ${sql.table(table)} t on t.appid = k.appid and t.openid = k.openid`;
}
