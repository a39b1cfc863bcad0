import { sql, type Kysely } from 'kysely';

/**
 * Removes erased openids from what jobs keep: the work lists (a reconciliation's follower
 * snapshot, a conversion's openids) of jobs not yet cleaned up — a paused job keeps its tables
 * for days — and any openid in a job's params, state (e.g. a saved `user/get` cursor), result
 * or error, replaced by "[erased]". Returns, by openid, the work-list rows deleted plus jobs changed.
 */
export async function eraseJobData(trx: Kysely<any>, openids: readonly string[]): Promise<Map<string, number>> {
  const changed = new Map<string, number>();
  const count = (openid: string, n: number) => n > 0 && changed.set(openid, (changed.get(openid) ?? 0) + n);
  if (openids.length === 0) return changed;
  const { rows: tables } = await sql<{ name: string }>`
    select relname as name from pg_class
    where relkind = 'r' and (relname like 'job\\_snapshot\\_%' or relname like 'job\\_items\\_%')`.execute(trx);
  for (const { name } of tables) {
    const { rows } = await sql<{ openid: string }>`delete from ${sql.table(name)} where openid = any(${openids}::text[]) returning openid`.execute(trx);
    for (const row of rows) count(row.openid, 1);
  }
  // Which jobs name any of them at all, in one scan of the (small) jobs table; then only those.
  const { rows: named } = await sql<{ openid: string }>`
    select distinct o.openid from unnest(${openids}::text[]) as o(openid), jobs j
    where strpos(j.params::text || coalesce(j.state::text, '') || coalesce(j.result::text, '') || coalesce(j.error::text, ''), o.openid) > 0`.execute(trx);
  for (const { openid } of named) {
    const result = await sql`
      update jobs set
        params = replace(params::text, ${JSON.stringify(openid)}, '"[erased]"')::jsonb,
        state = replace(state::text, ${JSON.stringify(openid)}, '"[erased]"')::jsonb,
        result = replace(result::text, ${JSON.stringify(openid)}, '"[erased]"')::jsonb,
        error = replace(error::text, ${JSON.stringify(openid)}, '"[erased]"')::jsonb
      where strpos(params::text || coalesce(state::text, '') || coalesce(result::text, '') || coalesce(error::text, ''), ${openid}) > 0`.execute(trx);
    count(openid, Number(result.numAffectedRows ?? 0));
  }
  return changed;
}
