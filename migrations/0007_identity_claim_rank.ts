import { sql, type Kysely } from 'kysely';

/**
 * Identity links rank unionid claims by source (codeVersion 2): each row says whether its
 * unionid rests only on an app's report (`unionid_reported`). New projection versions create the
 * column themselves; this adds it to the versions that already exist, because the active one
 * keeps folding live events with the new code (and so writes the column) until the automatic
 * rebuild to the new code version replaces it. `false` (WeChat-verified) is the old rule's
 * reading of a row; the rebuild then ranks every claim properly.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const { rows } = await sql<{ name: string }>`
    select table_name as name from information_schema.tables
    where table_schema = current_schema() and table_name like 'proj\\_identity\\_links\\_v%'`.execute(db);
  for (const { name } of rows) {
    await sql`alter table ${sql.table(name)} add column if not exists unionid_reported boolean not null default false`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const { rows } = await sql<{ name: string }>`
    select table_name as name from information_schema.tables
    where table_schema = current_schema() and table_name like 'proj\\_identity\\_links\\_v%'`.execute(db);
  for (const { name } of rows) await sql`alter table ${sql.table(name)} drop column if exists unionid_reported`.execute(db);
}
