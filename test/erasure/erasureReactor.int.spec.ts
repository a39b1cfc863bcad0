import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ERASURE_POLICY } from '../../src/erasure/erasurePolicy.ts';
import { createErasureReactor, ERASURE_REACTOR } from '../../src/erasure/erasureReactor.ts';
import { createLedgerConsumer } from '../../src/ledger/consumer/ledgerConsumer.ts';
import { openTestLedger, type TestLedger } from '../support/testDatabase.ts';
import { subscribed, unsubscribed } from '../support/newEvents.ts';
import { WechatApiError } from '../../src/wechat/api/errcodes.ts';
import { until } from '../support/until.ts';

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

  const wechatError = (kind: 'invalid_openid' | 'upstream_failure', errcode: number | null) =>
    new WechatApiError({ kind, errcode, errmsg: kind, api: 'user_info', appid: 'wxplain' });

  it("an unsubscribe WeChat refuses to answer for (40003) is not confirmed and does not stop the erasures after it", async () => {
    await env.ledger.append([subscribed('wxplain', 'p-1', 'pk1', at(100)), subscribed('wxplain', 'p-2', 'pk2', at(101))]);
    // A forged push names an openid WeChat does not know; the real unsubscribe comes after it.
    await env.ledger.append([unsubscribed('wxplain', 'p-forged', 'pu0', at(110))]);
    await env.ledger.append([unsubscribed('wxplain', 'p-1', 'pu1', at(111))]);
    const asked: string[] = [];
    const unconfirmed: string[] = [];
    const consumer = createLedgerConsumer({ ledger: env.ledger, name: `erasures-${Math.random()}`, safetyPollMs: 60_000 });
    const reactor = createErasureReactor({
      consumer,
      ledger: env.ledger,
      policyOf: () => DEFAULT_ERASURE_POLICY,
      registerRetentionDays: 30,
      confirmUnsubscribe: async (_appid, openid) => {
        asked.push(openid);
        if (openid === 'p-forged') throw wechatError('invalid_openid', 40003);
        return true;
      },
      onUnconfirmed: (_appid, why) => void unconfirmed.push(why),
    });
    consumer.start();
    await reactor.idle();
    const failing = consumer.status().processors.find((p) => p.name === ERASURE_REACTOR)!.lastError;
    await consumer.stop();
    expect(unconfirmed).toEqual(['invalid_openid']);
    expect(asked.filter((openid) => openid === 'p-forged')).toEqual(['p-forged']); // asked once, not forever
    expect(failing).toBeNull();
    expect([await liveKeys('wxplain', 'p-1'), await liveKeys('wxplain', 'p-2')]).toEqual([0, 1]);
  });

  it('while WeChat cannot be asked, the withdrawals before the unanswered one are erased, it is retried with a growing pause, and erased once WeChat answers', async () => {
    await env.ledger.append([subscribed('wxplain', 'q-1', 'qk1', at(200)), subscribed('wxplain', 'q-2', 'qk2', at(201))]);
    await env.ledger.append([unsubscribed('wxplain', 'q-1', 'qu1', at(210)), unsubscribed('wxplain', 'q-2', 'qu2', at(211))]);
    const tries: number[] = [];
    let down = true;
    const consumer = createLedgerConsumer({ ledger: env.ledger, name: `erasures-${Math.random()}`, safetyPollMs: 60_000, retryMs: 20 });
    const reactor = createErasureReactor({
      consumer,
      ledger: env.ledger,
      policyOf: () => DEFAULT_ERASURE_POLICY,
      registerRetentionDays: 30,
      maxRetryMs: 160,
      confirmUnsubscribe: async (_appid, openid) => {
        if (openid !== 'q-2') return true;
        tries.push(Date.now());
        if (down) throw wechatError('upstream_failure', null);
        return true;
      },
    });
    consumer.start();
    try {
      // Seen once in CI (not reproduced since): the message says how far it got, for the next time.
      await until(() => tries.length >= 5, 10_000, () => `five tries of the unanswered confirmation (got ${tries.length}; lane ${JSON.stringify(consumer.status().processors.find((p) => p.name === ERASURE_REACTOR))})`);
      // q-1 came before the unanswered one: erased already; q-2 waits, and the reactor says it is failing.
      expect(await liveKeys('wxplain', 'q-1')).toBe(0);
      expect(await liveKeys('wxplain', 'q-2')).toBe(1);
      expect(consumer.status().processors.find((p) => p.name === ERASURE_REACTOR)!.lastError).toMatch(/upstream_failure/);
      // The pauses grow (20, 40, 80, 160 ms, then stay at the cap), not one try per retryMs.
      const gaps = tries.slice(1).map((t, i) => t - tries[i]!);
      expect(gaps[3]!).toBeGreaterThan(gaps[0]!);
      down = false;
      await reactor.idle();
      expect(await liveKeys('wxplain', 'q-2')).toBe(0);
      // The consumer clears the failure once the handled page is back in its hands, just after idle().
      await until(() => consumer.status().processors.find((p) => p.name === ERASURE_REACTOR)!.lastError === null, 5_000, 'the failure to clear');
    } finally {
      await consumer.stop();
    }
  });

  it('two withdrawals of one person in one page (a reconciliation found the unfollow, then the late push) erase them once', async () => {
    await env.ledger.append([subscribed('wxoa', 'd-1', 'dk1', at(300)), subscribed('wxoa', 'd-2', 'dk2', at(301))]);
    await env.ledger.append([{ ...unsubscribed('wxoa', 'd-1', 'du1r', at(310)), meta: { source: 'reconciliation', idempotencyKey: 'du1r' } }]);
    const later = at(312);
    await env.ledger.append([unsubscribed('wxoa', 'd-1', 'du1', later), unsubscribed('wxoa', 'd-2', 'du2', at(313))]);
    await runReactor();
    expect([await liveKeys('wxoa', 'd-1'), await liveKeys('wxoa', 'd-2')]).toEqual([0, 0]);
    // One identity.erased each (counted per person: another test's leftover is not theirs), and
    // the register holds the later withdrawal's time.
    const { pseudonyms } = await env.ledger.privacy();
    const erasedOf = async (openid: string) =>
      (await env.ledger.read({ type: 'identity.erased' })).filter((e) => (e.data as { subject: string }).subject === pseudonyms.subject('wxoa', openid)).length;
    expect([await erasedOf('d-1'), await erasedOf('d-2')]).toEqual([1, 1]);
    const subject = pseudonyms.subject('wxoa', 'd-1');
    const { rows } = await sql<{ erased_at: Date }>`select erased_at from erasure_register where subject = ${subject}`.execute(env.storage.db);
    expect(rows[0]!.erased_at.toISOString()).toBe(later);
    expect(await env.ledger.verify()).toMatchObject({ ok: true });
  });
});
