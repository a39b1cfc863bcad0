import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ERASURE_POLICY } from '../../src/erasure/erasurePolicy.ts';
import { createErasureReactor, ERASURE_REACTOR } from '../../src/erasure/erasureReactor.ts';
import { createLedgerConsumer } from '../../src/ledger/consumer/ledgerConsumer.ts';
import { openTestLedger, type TestLedger } from '../support/testDatabase.ts';
import { subscribed, unsubscribed } from '../support/newEvents.ts';

/**
 * The erasure reactor erases the people whose withdrawal pushes their account's policy says to,
 * every withdrawal of a page in one transaction — and is idempotent: run again over the same
 * withdrawals (a crash before its checkpoint moved), it erases nobody who came back since.
 */
describe('the erasure reactor (PostgreSQL)', () => {
  let env: TestLedger;
  beforeAll(async () => {
    env = await openTestLedger('postgres');
  });
  afterAll(async () => {
    await env.cleanup();
  });

  const at = (seconds: number) => new Date(Date.now() - 3_600_000 + seconds * 1000).toISOString();
  const liveKeys = async (appid: string, openid: string) => {
    const subject = (await env.ledger.privacy()).pseudonyms.subject(appid, openid);
    return (await sql<{ n: number }>`select count(*)::int as n from subject_keys where subject = ${subject}`.execute(env.storage.db)).rows[0]!.n;
  };

  const keepOnWxkeep = (appid: string) => (appid === 'wxkeep' ? { ...DEFAULT_ERASURE_POLICY, onUnsubscribe: 'keep' as const } : DEFAULT_ERASURE_POLICY);
  async function runReactor(policyOf = keepOnWxkeep) {
    const consumer = createLedgerConsumer({ ledger: env.ledger, name: `erasures-${Math.random()}`, safetyPollMs: 60_000 });
    const reactor = createErasureReactor({ consumer, ledger: env.ledger, policyOf, registerRetentionDays: 30 });
    consumer.start();
    await reactor.idle();
    await consumer.stop();
  }

  it("erases a page's withdrawals together, by the account's policy, pushed or found by a reconciliation", async () => {
    await env.ledger.append([subscribed('wxoa', 'o-1', 'k1', at(0)), subscribed('wxoa', 'o-2', 'k2', at(1)), subscribed('wxoa', 'o-3', 'k3', at(2)), subscribed('wxkeep', 'o-4', 'k4', at(3))]);
    await env.ledger.append([unsubscribed('wxoa', 'o-1', 'u1', at(10)), unsubscribed('wxoa', 'o-2', 'u2', at(11)), unsubscribed('wxkeep', 'o-4', 'u4', at(12))]);
    // An unfollow a reconciliation found: the push was lost, the duty to delete is the same.
    await env.ledger.append([{ ...unsubscribed('wxoa', 'o-3', 'u3', at(13)), meta: { source: 'reconciliation', idempotencyKey: 'u3' } }]);
    await runReactor();

    expect([await liveKeys('wxoa', 'o-1'), await liveKeys('wxoa', 'o-2'), await liveKeys('wxoa', 'o-3'), await liveKeys('wxkeep', 'o-4')]).toEqual([0, 0, 0, 1]);
    const erased = await env.ledger.read({ type: 'identity.erased' });
    expect(erased.map((e) => (e.data as { reason: string }).reason)).toEqual(['unsubscribe', 'unsubscribe', 'unsubscribe']);
    const records = await sql<{ n: number }>`select count(*)::int as n from erasures`.execute(env.storage.db);
    expect(records.rows[0]!.n).toBe(3);
    // One transaction for the page: the identity.erased events are next to each other.
    expect(erased.map((e) => e.position - erased[0]!.position)).toEqual([0, 1, 2]);
    expect(await env.ledger.verify()).toMatchObject({ ok: true });
  });

  it('run again over the same withdrawals, erases nobody who came back since', async () => {
    await env.ledger.append([subscribed('wxoa', 'o-1', 'back-1', new Date().toISOString())]);
    expect(await liveKeys('wxoa', 'o-1')).toBe(1);
    const erasedBefore = (await env.ledger.read({ type: 'identity.erased' })).length;
    await sql`update outbox_cursors set position = 0 where name = ${ERASURE_REACTOR}`.execute(env.storage.db);
    await runReactor();
    expect(await liveKeys('wxoa', 'o-1')).toBe(1);
    expect((await env.ledger.read({ type: 'identity.erased' })).length).toBe(erasedBefore);
  });
});
