import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestLedger, type TestLedger } from '../support/testDatabase.ts';
import { subscribed } from '../support/newEvents.ts';

/**
 * `ledger_append` runs with generic plans (migration 0008): with `plan_cache_mode = auto` its
 * statements, whose parameters are the function's arrays, were planned again on every call —
 * most of the function's cost for a batch of one event (issue #12). Nothing but the setting
 * shows it, so the setting is what is checked.
 */
describe.each(['postgres', 'pglite'] as const)('ledger_append plans once per session (%s)', (kind) => {
  let env: TestLedger;
  beforeAll(async () => {
    env = await openTestLedger(kind);
  });
  afterAll(async () => {
    await env.cleanup();
  });

  it('carries plan_cache_mode = force_generic_plan in its own configuration', async () => {
    const { rows } = await sql<{ config: string[] | null }>`select proconfig as config from pg_proc where proname = 'ledger_append'`.execute(env.storage.db);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.config).toContain('plan_cache_mode=force_generic_plan');
  });

  it('still appends, chains and verifies with it, batch after batch', async () => {
    for (let i = 0; i < 8; i++) await env.ledger.append([subscribed('wxplans', `o-${i}`)]);
    await Promise.all(Array.from({ length: 16 }, (_, i) => env.ledger.append([subscribed('wxplans', `p-${i}`)])));
    const again = await env.ledger.append([subscribed('wxplans', 'o-3')]);
    expect(again.duplicate).toBe(true);
    expect(await env.ledger.verify()).toMatchObject({ ok: true });
    const { rows } = await sql<{ n: string | number; max: string | number }>`select count(*) as n, max(position) as max from events`.execute(env.storage.db);
    expect(Number(rows[0]!.n)).toBe(24);
    expect(Number(rows[0]!.max)).toBe(24);
  });
});
