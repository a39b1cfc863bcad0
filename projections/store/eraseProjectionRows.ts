import { sql } from 'kysely';
import { keyOf, type Key } from '../key.ts';
import type { ProjectionName } from '../projection.ts';
import { tableNameOf, type Queryable } from './projectionTable.ts';

/**
 * Deletes the rows of these identities from every version of every projection that still has a
 * table — active, building (a rebuild in progress) and retired-but-not-yet-dropped — so no copy
 * is left behind. Returns how many rows went, by identity (`keyOf`). Runs inside the erasure's transaction, after it
 * moved the erasure epoch (see ProjectionVersions.advanceQuery).
 */
export async function eraseProjectionRows(trx: Queryable, keys: readonly Key[]): Promise<Map<string, number>> {
  const deleted = new Map<string, number>();
  if (keys.length === 0) return deleted;
  const { rows: versions } = await sql<{ name: ProjectionName; version: number }>`
    select name, version from projection_versions where dropped_at is null order by name, version`.execute(trx);
  for (const { name, version } of versions) {
    // Not keyed by identity: its attribution rows are redacted by the erasure (dailyStats/redactFollowerRows.ts).
    if (name === 'daily-stats') continue;
    const table = tableNameOf(name, version);
    const exists = await sql<{ found: string | null }>`select to_regclass(${table})::text as found`.execute(trx);
    if (!exists.rows[0]?.found) continue;
    const { rows } = await sql<Key>`
      delete from ${sql.table(table)} t
      using unnest(${keys.map((k) => k.appid)}::text[], ${keys.map((k) => k.openid)}::text[]) as k(appid, openid)
      where t.appid = k.appid and t.openid = k.openid
      returning t.appid, t.openid`.execute(trx);
    for (const row of rows) deleted.set(keyOf(row.appid, row.openid), (deleted.get(keyOf(row.appid, row.openid)) ?? 0) + 1);
  }
  return deleted;
}
