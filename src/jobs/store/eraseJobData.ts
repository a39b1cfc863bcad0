import { sql, type Kysely } from 'kysely';

/**
 * Removes erased openids from what jobs keep: the work lists (a reconciliation's follower
 * snapshot, a conversion's openids) of jobs not yet cleaned up — a paused job keeps its tables
 * for days — and any openid in a job's params, state (e.g. a saved `user/get` cursor), result
 * or error, replaced by "[erased]". Returns the number of work-list rows deleted plus jobs changed.
 */
export async function eraseJobData(trx: Kysely<any>, openids: readonly string[]): Promise<number> {
  if (openids.length === 0) return 0;
  let changed = 0;
  const { rows: tables } = await sql<{ name: string }>`
    select relname as name from pg_class
    where relkind = 'r' and (relname like 'job\\_snapshot\\_%' or relname like 'job\\_items\\_%')`.execute(trx);
  for (const { name } of tables) {
    const result = await sql`delete from ${sql.table(name)} where openid = any(${openids}::text[])`.execute(trx);
    changed += Number(result.numAffectedRows ?? 0);
  }
  for (const openid of openids) {
    const result = await sql`
      update jobs set
        params = replace(params::text, ${JSON.stringify(openid)}, '"[erased]"')::jsonb,
        state = replace(state::text, ${JSON.stringify(openid)}, '"[erased]"')::jsonb,
        result = replace(result::text, ${JSON.stringify(openid)}, '"[erased]"')::jsonb,
        error = replace(error::text, ${JSON.stringify(openid)}, '"[erased]"')::jsonb
      where strpos(params::text || coalesce(state::text, '') || coalesce(result::text, '') || coalesce(error::text, ''), ${openid}) > 0`.execute(trx);
    changed += Number(result.numAffectedRows ?? 0);
  }
  return changed;
}
