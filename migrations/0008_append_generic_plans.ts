import { sql, type Kysely } from 'kysely';

/**
 * `ledger_append` (migration 0005) plans its statements once per session instead of on every call.
 *
 * Every PL/pgSQL variable a statement names — here the function's array arguments — is a
 * parameter of that statement's cached plan. With the default `plan_cache_mode = auto` the plan
 * cache compares the generic plan's estimated cost with the custom plans' average: a generic
 * plan estimates each `unnest(p_…)` at 10 rows, a custom plan at the array's real length (1 for a
 * single caller), so the custom plan always looks cheaper and is rebuilt — the snapshot read with
 * its five subqueries and the insert with its two CTEs planned from scratch — on every call.
 * `auto_explain` times execution only, which is why this did not show there. The plans do not
 * depend on the arrays' contents: one index probe per key, stream and subject in correlated
 * subqueries, and a hash join of the unnested arrays on their ordinality, the same generic or
 * custom; so forcing the generic plan changes no result, only removes the planning.
 *
 * Measured on a bench database (one-event calls in a loop inside one backend): 260–280 µs a call
 * with `auto`, 90–105 µs with the generic plan (issue #12).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter function ledger_append set plan_cache_mode = force_generic_plan`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter function ledger_append reset plan_cache_mode`.execute(db);
}
