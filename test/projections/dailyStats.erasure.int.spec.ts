import canonicalize from 'canonicalize';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewEvent } from '../../src/ledger/events.ts';
import { eraseIdentities } from '../../src/erasure/eraseIdentities.ts';
import { createProjectionRunner } from '../../projections/projectionRunner.ts';
import { getDailyStats } from '../../projections/query/getDailyStats.ts';
import { getSceneStats } from '../../projections/query/getSceneStats.ts';
import { activeTableName } from '../../projections/store/activeTable.ts';
import { dailyStatsTable } from '../../projections/dailyStats/dailyStatsTable.ts';
import { verifyProjections } from '../../projections/verifyProjections.ts';
import { dailyStats } from '../../projections/dailyStats/index.ts';
import { configuredAccounts } from './context.ts';
import { startHarness, type Harness } from './support/projectionHarness.ts';

const OA = 'wxstats';
/** Beijing 2024-03-01 09:00 plus `hours`. */
const at = (hours: number) => new Date(Date.UTC(2024, 2, 1, 1 + hours)).toISOString();
let n = 0;
const sub = (openid: string, hours: number, scene?: string, source: 'webhook' | 'reconciliation' = 'webhook'): NewEvent => ({
  type: 'follow.subscribed',
  data: { appid: OA, openid, ...(scene ? { scene, eventKey: `qrscene_${scene}` } : {}) },
  meta: { source, idempotencyKey: `s${n++}` },
  occurredAt: at(hours),
});
const unsub = (openid: string, hours: number, source: 'webhook' | 'reconciliation' = 'webhook'): NewEvent => ({
  type: 'follow.unsubscribed',
  data: { appid: OA, openid },
  meta: { source, idempotencyKey: `u${n++}` },
  occurredAt: at(hours),
});

/**
 * Daily stats keep a rebuild equal to the live rows through erasures: an erased person's scene
 * leaves the scene rows at once (their cohort counts in `erased`), the day totals stay exact,
 * and nothing of theirs is left once `identity.erased` is folded — whether the projection had
 * folded their facts before the erasure or folds them, redacted, after it.
 */
describe('daily-stats projection with erasures (PostgreSQL)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('postgres');
  });
  afterAll(async () => {
    await h?.close();
  });

  const rows = async () => dailyStatsTable.readAll(h.storage.db, await activeTableName(h.storage.db, 'daily-stats'));
  const snapshot = async () => (await rows()).map((r) => canonicalize(r)!).sort();

  it('counts transitions per day and cohorts per scene; erasures move scenes to `erased`; verify and a rebuild agree with the live rows', async () => {
    await h.append(
      sub('o-1', 0, 'spring'),
      sub('o-2', 1, 'spring'),
      sub('o-3', 2, 'solo-o3'),
      sub('o-4', 3),
      sub('o-5', 4, 'spring'),
      // A retry of an older subscribe, and an older unsubscribe arriving late: no counts.
      sub('o-1', -1, 'spring'),
      sub('o-6', 30, undefined, 'reconciliation'),
      unsub('o-2', 26),
      unsub('o-3', 27),
      unsub('o-4', 0.5),
    );
    await h.append({ type: 'reconciliation.completed', data: { appid: OA, followers: 5, added: 1, removed: 0, startedAt: at(30) }, meta: { source: 'reconciliation', idempotencyKey: 'run-1' }, occurredAt: at(30.5) });

    const before = await getDailyStats(h.storage.db, OA, '2024-03-01', '2024-03-03');
    expect(before.days.map((d) => [d.day, d.new, d.lost, d.reconciledIn, d.total])).toEqual([
      ['2024-03-01', 5, 0, 0, 5],
      ['2024-03-02', 0, 2, 1, 4],
      ['2024-03-03', 0, 0, 0, 4],
    ]);
    expect(before.reconciliations).toEqual([{ completedAt: at(30.5), startedAt: at(30), followers: 5, added: 1, removed: 0 }]);
    const scenesBefore = await getSceneStats(h.storage.db, OA, '2024-03-01', '2024-03-03', 100);
    expect(scenesBefore.scenes.map((s) => [s.bucket, s.scene, s.new, s.lost])).toEqual([
      ['scene', 'spring', 3, 1],
      ['none', null, 1, 0],
      ['scene', 'solo-o3', 1, 1],
    ]);

    // o-3 left (their unsubscribe is folded), o-5 is erased on request while following.
    await eraseIdentities(h.ledger, { appid: OA, openid: 'o-3' }, { reason: 'unsubscribe' });
    await eraseIdentities(h.ledger, { appid: OA, openid: 'o-5' }, { reason: 'request' });
    // Within the erasure's transaction, before anything is folded: the scene only o-3 came through is gone.
    expect(JSON.stringify(await rows())).not.toContain('solo-o3');
    await h.runner.waitFor(await h.ledger.head());

    const after = await getDailyStats(h.storage.db, OA, '2024-03-01', '2024-03-03');
    expect(after.days.map((d) => [d.day, d.new, d.lost, d.total])).toEqual([
      ['2024-03-01', 5, 0, 5],
      ['2024-03-02', 0, 2, 4],
      // The erasures' day is today: these days keep their counts.
      ['2024-03-03', 0, 0, 4],
    ]);
    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    const now = await getDailyStats(h.storage.db, OA, today, today);
    expect(now.days[0]).toMatchObject({ erasures: 2, erasedFollowing: 1, total: 3 });
    const scenesAfter = await getSceneStats(h.storage.db, OA, '2024-03-01', '2024-03-03', 100);
    expect(scenesAfter.scenes.map((s) => [s.bucket, s.scene, s.new, s.lost])).toEqual([
      ['erased', null, 2, 1],
      ['scene', 'spring', 2, 1],
      ['none', null, 1, 0],
    ]);
    expect(scenesAfter.totals).toEqual(scenesBefore.totals);
    // Nothing of theirs: no scene, no attribution row (identity.erased deleted them).
    const stored = await rows();
    expect(JSON.stringify(stored)).not.toContain('solo-o3');
    expect(stored.filter((r) => r.kind === 'follower')).toHaveLength(4);

    const [verified] = await verifyProjections(h.ledger, configuredAccounts, [dailyStats]);
    expect(verified).toMatchObject({ name: 'daily-stats', ok: true });
    const live = await snapshot();
    await h.runner.rebuild('daily-stats');
    expect(await snapshot()).toEqual(live);
  });

  it('an erasure between a folded subscribe and an unfolded unsubscribe: the redacted unsubscribe still counts against the (erased) cohort', async () => {
    await h.append(sub('o-7', 5, 'autumn'));
    await h.runner.stop();
    await h.ledger.append([unsub('o-7', 28)]);
    await eraseIdentities(h.ledger, { appid: OA, openid: 'o-7' }, { reason: 'unsubscribe' });
    // A redacted attribution row waits for the unsubscribe and identity.erased; no scene is left.
    const waiting = await rows();
    expect(JSON.stringify(waiting)).not.toContain('autumn');
    const runner = createProjectionRunner({ ledger: h.ledger, ctx: configuredAccounts }).start();
    try {
      await runner.waitFor(await h.ledger.head());
      const scenes = await getSceneStats(h.storage.db, OA, '2024-03-01', '2024-03-01', 100);
      expect(scenes.scenes.find((s) => s.bucket === 'erased')).toMatchObject({ new: 3, lost: 2 });
      const [verified] = await verifyProjections(h.ledger, configuredAccounts, [dailyStats]);
      expect(verified).toMatchObject({ ok: true });
      const live = await snapshot();
      await runner.rebuild('daily-stats');
      expect(await snapshot()).toEqual(live);
      const stored = (await sql<{ detail: unknown }>`select detail from ${sql.table(await activeTableName(h.storage.db, 'daily-stats'))} where kind = 'follower'`.execute(h.storage.db)).rows;
      expect(stored).toHaveLength(4);
    } finally {
      await runner.stop();
    }
  });
});
