import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyBatch } from '../../projections/applyBatch.ts';
import { followState } from '../../projections/followState/index.ts';
import { followStateTable } from '../../projections/followState/followStateTable.ts';
import { ProjectionVersions, type ProjectionVersion } from '../../projections/store/projectionVersions.ts';
import type { LedgerEvent } from '../../src/ledger/events.ts';
import { openTestLedger, type TestLedger } from '../support/testDatabase.ts';
import { subscribed, unsubscribed } from '../support/newEvents.ts';
import { configuredAccounts as ctx } from './context.ts';

/**
 * The checkpoint's compare-and-set decides, inside the write itself, which of two appliers of
 * the same batch position writes: an applier that lost its leadership without noticing yet must
 * write nothing, neither rows nor checkpoint.
 */
describe.each(['postgres', 'pglite'] as const)('applyBatch on %s: rows and checkpoint move together, once', (kind) => {
  let env: TestLedger;
  let version: ProjectionVersion;
  let events: LedgerEvent[];
  beforeAll(async () => {
    env = await openTestLedger(kind);
    version = await ProjectionVersions.createActive(env.storage.db, 'follow-state', followState.codeVersion);
    await env.ledger.append([subscribed('wxoa', 'o-a'), subscribed('wxoa', 'o-b')]);
    await env.ledger.append([unsubscribed('wxoa', 'o-a'), subscribed('wxoa', 'o-c')]);
    events = await env.ledger.read();
  });
  afterAll(async () => {
    await env.cleanup();
  });

  const rows = async () => (await followStateTable.readAll(env.storage.db, version.table)).map((r) => `${r.openid}:${r.subscribed}`).sort();
  const checkpoint = async () => (await ProjectionVersions.current(env.storage.db, 'follow-state')).active!.position;

  it('two appliers of the same batch at once: one writes it, the other finds the checkpoint moved', async () => {
    const first = events.slice(0, 2);
    const outcomes = await Promise.all([0, 1].map(() => applyBatch(env.storage.db, followState, followStateTable, version, first, ctx)));
    expect(outcomes.map((o) => o.ok).sort()).toEqual([false, true]);
    expect(outcomes.find((o) => !o.ok)).toEqual({ ok: false, reason: 'checkpoint_moved' });
    expect(await rows()).toEqual(['o-a:true', 'o-b:true']);
    expect(await checkpoint()).toBe(first[1]!.position);
  });

  it('a stale applier (its checkpoint from before the last batch) writes no row and leaves the checkpoint', async () => {
    const at = await checkpoint();
    const next = events.slice(2);
    expect(await applyBatch(env.storage.db, followState, followStateTable, { ...version, position: at }, next, ctx)).toMatchObject({ ok: true, changed: 2 });
    expect(await rows()).toEqual(['o-a:false', 'o-b:true', 'o-c:true']);
    // Replays the first batch from position 0, as a leader that missed the hand-over would.
    const stale = await applyBatch(env.storage.db, followState, followStateTable, { ...version, position: 0 }, events.slice(0, 2), ctx);
    expect(stale).toEqual({ ok: false, reason: 'checkpoint_moved' });
    expect(await rows()).toEqual(['o-a:false', 'o-b:true', 'o-c:true']);
    expect(await checkpoint()).toBe(events[3]!.position);
  });
});
