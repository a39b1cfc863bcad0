import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startE2E, MP, OA, type E2E, keepWithdrawals } from '../support/e2eHarness.ts';
import { commandNamed } from '../../src/commandLine/commandSpecs.ts';
import { parseCommandArgs } from '../../src/commandLine/parseCommandArgs.ts';
import { buildPush, renderPush, pushFields, sendPush, type BuiltPush } from '../../src/simulator/pushSender.ts';
import { startServer, type RunningServer } from '../../src/serve.ts';
import { sendPushCommand } from '../../src/sendPushCommand.ts';
import type { LedgerEvent } from '../../src/ledger/events.ts';

const oa = { ...OA, format: 'xml' as const, mode: 'plain' as const };

/**
 * A signed callback URL from a proxy or access log must not be a licence to post: in plain mode
 * `signature` covers only token, timestamp and nonce. The OA here is in plain mode.
 */
describe('captured callback URLs (plain mode): bound in time and in use', () => {
  let e2e: E2E;
  let second: RunningServer;
  beforeAll(async () => {
    e2e = await startE2E({ configure: keepWithdrawals });
    // Another instance on the same database: the nonces it remembers are the same ones.
    second = await startServer({ ...e2e.server.service.config, port: 0 });
  });
  afterAll(async () => {
    await second?.close();
    await e2e?.close();
  });

  const eventsOf = async (openid: string) => (await e2e.server.service.ledger.read({ openid })) as LedgerEvent[];
  const deliver = async (base: string, push: BuiltPush) => {
    const delivery = await sendPush(`${base}/wechat/${OA.appid}/callback`, push, { tries: 1 });
    const last = delivery.attempts[0]!;
    return { status: last.status, code: last.status === 200 ? last.body : (JSON.parse(last.body) as { error: { code: string; message: string } }).error.code, body: last.body };
  };
  /** The captured URL with a body of the attacker's choosing. */
  const forged = (captured: BuiltPush, fields: Record<string, string | number>): BuiltPush => ({ ...captured, body: renderPush(fields, 'xml') });

  it('refuses the captured URL with another body (403 replayed_nonce), on every instance, and appends nothing', async () => {
    const openid = 'o-captured';
    const captured = buildPush(oa, { event: 'subscribe', openid });
    expect(await deliver(e2e.url, captured)).toMatchObject({ status: 200, code: 'success' });

    const unsubscribe = pushFields(oa, { event: 'unsubscribe', openid });
    expect(await deliver(e2e.url, forged(captured, unsubscribe))).toMatchObject({ status: 403, code: 'replayed_nonce' });
    expect(await deliver(second.url, forged(captured, unsubscribe))).toMatchObject({ status: 403, code: 'replayed_nonce' });
    expect(await deliver(second.url, forged(captured, { ...unsubscribe, FromUserName: 'o-someone-else' }))).toMatchObject({ status: 403 });
    expect((await eventsOf(openid)).map((e) => e.type)).toEqual(['follow.subscribed']);
    expect(await eventsOf('o-someone-else')).toEqual([]);
  });

  it('spends the URL before the body is parsed: a body that fails parsing still uses it up', async () => {
    const openid = 'o-burnt';
    const captured = buildPush(oa, { event: 'unsubscribe', openid });
    // The attacker tries the captured URL with a body that does not parse (or fails a later check) first…
    expect(await deliver(e2e.url, { ...captured, body: '<xml><FromUserName>' })).toMatchObject({ status: 400 });
    // …the URL is spent: no second try, with any body — the real one included.
    expect(await deliver(second.url, captured)).toMatchObject({ status: 403, code: 'replayed_nonce' });
    expect(await eventsOf(openid)).toEqual([]);
  });

  it('compares the exact bytes: the same push with other bytes on a used URL is refused, in plain and safe mode', async () => {
    const plain = buildPush(oa, { event: 'subscribe', openid: 'o-bytes-plain' });
    expect(await deliver(e2e.url, plain)).toMatchObject({ status: 200, code: 'success' });
    // The same fields, one byte more: not WeChat's retry (which is byte for byte).
    expect(await deliver(e2e.url, { ...plain, body: `${plain.body}\n` })).toMatchObject({ status: 403, code: 'replayed_nonce' });

    const safe = { ...oa, mode: 'safe' as const };
    const now = Date.now();
    const first = buildPush(safe, { event: 'subscribe', openid: 'o-bytes-safe' }, { now });
    // The same message encrypted again (fresh random bytes), validly signed, on the same URL.
    const again = buildPush(safe, { event: 'subscribe', openid: 'o-bytes-safe' }, { now, nonce: first.query.nonce!, timestamp: first.query.timestamp! });
    expect(again.body).not.toBe(first.body);
    expect(await deliver(e2e.url, first)).toMatchObject({ status: 200, code: 'success' });
    expect(await deliver(e2e.url, first)).toMatchObject({ status: 200, code: 'success' });
    expect(await deliver(second.url, again)).toMatchObject({ status: 403, code: 'replayed_nonce' });
    expect((await eventsOf('o-bytes-safe')).map((e) => e.type)).toEqual(['follow.subscribed']);
  });

  it('treats every split of a signed URL as the same URL: swapped or leading-zero timestamp and nonce are refused (red team 2, F2)', async () => {
    const openid = 'o-split';
    // The signature sorts and joins timestamp and nonce without a separator. A nonce that looks
    // like a timestamp lets the two be swapped, inside the window, under the same signature.
    const timestamp = Math.floor(Date.now() / 1000);
    // Both subscribes carry one CreateTime (the same push, signed twice), whatever second the test
    // runs into: WeChat's dedupe key makes the second a repeat, so only the URLs are under test.
    const captured = buildPush(oa, { event: 'subscribe', openid }, { timestamp: String(timestamp), nonce: String(timestamp + 1), now: timestamp * 1000 });
    expect(await deliver(e2e.url, captured)).toMatchObject({ status: 200, code: 'success' });
    const unsubscribe = forged(captured, pushFields(oa, { event: 'unsubscribe', openid }));
    const swapped = { ...unsubscribe, query: { ...captured.query, timestamp: String(timestamp + 1), nonce: String(timestamp) } };
    expect(await deliver(e2e.url, swapped)).toMatchObject({ status: 403, code: 'replayed_nonce' });
    expect(await deliver(second.url, swapped)).toMatchObject({ status: 403, code: 'replayed_nonce' });
    // The same bytes on the swapped URL are the same claim: answered like WeChat's retry, deduped.
    expect(await deliver(e2e.url, { ...captured, query: swapped.query })).toMatchObject({ status: 200, code: 'success' });

    // A nonce that starts and ends with `0`: its last `0` moved to the front of the timestamp.
    const zeros = buildPush(oa, { event: 'subscribe', openid }, { timestamp: String(timestamp), nonce: '0123450', now: timestamp * 1000 });
    expect(await deliver(e2e.url, zeros)).toMatchObject({ status: 200, code: 'success' });
    const leadingZero = { ...forged(zeros, pushFields(oa, { event: 'unsubscribe', openid })), query: { ...zeros.query, timestamp: `0${timestamp}`, nonce: '012345' } };
    expect(await deliver(e2e.url, leadingZero)).toMatchObject({ status: 403, code: 'stale_timestamp' });
    expect((await eventsOf(openid)).map((e) => e.type)).toEqual(['follow.subscribed']);
  });

  it('stores only a keyed digest of what a URL carried: a database reader cannot confirm a guess of a push', async () => {
    const push = buildPush(oa, { event: 'unsubscribe', openid: 'o-guessed' });
    expect(await deliver(e2e.url, push)).toMatchObject({ status: 200, code: 'success' });
    const { rows } = await sql<{ digest: Buffer }>`select content_digest as digest from callback_nonces`.execute(e2e.server.service.storage.db);
    const stored = rows.map((row) => Buffer.from(row.digest).toString('hex'));
    // The reader guesses the body (an unsubscribe of o-guessed at that second) and hashes it every way it might be stored.
    for (const guess of [push.body, `POST\u0000${push.body}`, `${OA.appid}\u0000POST\u0000${push.body}`]) {
      expect(stored).not.toContain(createHash('sha256').update(guess).digest('hex'));
    }
    // What is stored is the HMAC under the ledger's pseudonym secret (wrapped by the master key).
    const { pseudonyms } = await e2e.server.service.ledger.privacy();
    expect(stored).toContain(pseudonyms.callbackContent(OA.appid, `POST\u0000${push.body}`).toString('hex'));
  });

  it('refuses a push on the URL of a logged GET verification (same signing), but answers the verification again', async () => {
    const captured = buildPush(oa, { event: 'unsubscribe', openid: 'o-from-get' });
    const query = new URLSearchParams({ signature: captured.query.signature!, timestamp: captured.query.timestamp!, nonce: captured.query.nonce!, echostr: 'e1' });
    for (let i = 0; i < 2; i++) expect(await (await fetch(`${e2e.url}/wechat/${OA.appid}/callback?${query}`)).text()).toBe('e1');
    expect(await deliver(second.url, captured)).toMatchObject({ status: 403, code: 'replayed_nonce' });
    expect(await eventsOf('o-from-get')).toEqual([]);
    const stale = buildPush(oa, { event: 'unsubscribe', openid: 'x' }, { now: Date.now() - 301_000 });
    const staleQuery = new URLSearchParams({ signature: stale.query.signature!, timestamp: stale.query.timestamp!, nonce: stale.query.nonce!, echostr: 'e2' });
    expect((await fetch(`${e2e.url}/wechat/${OA.appid}/callback?${staleQuery}`)).status).toBe(403);
  });

  it("lets WeChat's retries through — the same URL and body, on any instance — and dedupes them to one event", async () => {
    const openid = 'o-retried';
    const push = buildPush(oa, { event: 'unsubscribe', openid });
    for (const base of [e2e.url, second.url, e2e.url]) expect(await deliver(base, push)).toMatchObject({ status: 200, code: 'success' });
    expect((await eventsOf(openid)).map((e) => e.type)).toEqual(['follow.unsubscribed']);
  });

  it('refuses a URL signed more than 300 s ago (403 stale_timestamp): the default window', async () => {
    const push = buildPush(oa, { event: 'unsubscribe', openid: 'o-stale' }, { now: Date.now() - 301_000 });
    expect(await deliver(e2e.url, push)).toMatchObject({ status: 403, code: 'stale_timestamp' });
    expect(await eventsOf('o-stale')).toEqual([]);
  });

  it('refuses an unsubscribe dated year 9999 with 400 invalid_create_time — never a database error', async () => {
    const year9999 = 253_402_214_400;
    const push = buildPush(oa, { event: 'unsubscribe', openid: 'o-9999', createTime: year9999 });
    const answer = await deliver(e2e.url, push);
    expect(answer).toMatchObject({ status: 400, code: 'invalid_create_time' });
    expect(answer.body).not.toMatch(/sql|postgres|timestamp with time zone|out of range/i);
    // Nor on a captured URL (spent before the body is read: refused before CreateTime is judged).
    const captured = buildPush(oa, { event: 'subscribe', openid: 'o-9999' });
    expect(await deliver(e2e.url, captured)).toMatchObject({ status: 200 });
    expect(await deliver(e2e.url, forged(captured, pushFields(oa, { event: 'unsubscribe', openid: 'o-9999', createTime: year9999 })))).toMatchObject({ status: 403, code: 'replayed_nonce' });
    expect((await eventsOf('o-9999')).map((e) => e.type)).toEqual(['follow.subscribed']);
  });

  it('keeps `identity-ledger send-push` working against these rules (safe and plain, XML and JSON)', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      const config = e2e.server.service.config;
      const sendPushCommandWith = (args: string[]) => sendPushCommand(parseCommandArgs(commandNamed('send-push')!, args), config);
      expect(await sendPushCommandWith(['--appid', OA.appid, '--openid', 'o-cli-safe', '--url', e2e.url])).toBe(0);
      expect(await sendPushCommandWith(['--appid', OA.appid, '--openid', 'o-cli-plain', '--mode', 'plain', '--event', 'unsubscribe', '--url', e2e.url])).toBe(0);
      expect(await sendPushCommandWith(['--appid', MP.appid, '--openid', 'o-cli-mp', '--url', second.url])).toBe(0);
    } finally {
      log.mockRestore();
    }
    expect((await eventsOf('o-cli-safe')).map((e) => e.type)).toContain('follow.subscribed');
    expect((await eventsOf('o-cli-plain')).map((e) => e.type)).toEqual(['follow.unsubscribed']);
    expect((await eventsOf('o-cli-mp')).map((e) => e.type)).toEqual(['follow.subscribed']);
  });
});

/**
 * Two accounts that share a token (the configuration refuses it; set here behind its back) sign
 * alike: a URL WeChat signed for one must not carry a push to the other.
 */
describe('a signed URL is spent across accounts', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E({
      configure(config) {
        keepWithdrawals(config);
        const mp = config.accounts.find((account) => account.appid === MP.appid)!;
        mp.token = OA.token;
        mp.messageMode = 'plain';
      },
    });
  });
  afterAll(async () => {
    await e2e?.close();
  });

  it("refuses account A's URL posted to account B (403 replayed_nonce) and appends nothing", async () => {
    const captured = buildPush(oa, { event: 'subscribe', openid: 'o-account-a' });
    const toOa = await sendPush(`${e2e.url}/wechat/${OA.appid}/callback`, captured, { tries: 1 });
    expect(toOa.attempts[0]!.status).toBe(200);
    const mp = { ...MP, token: OA.token, format: 'json' as const, mode: 'plain' as const };
    const forged = { ...captured, contentType: 'application/json', body: renderPush(pushFields(mp, { event: 'user_authorization_revoke', openid: 'o-account-b' }), 'json') };
    const toMp = await sendPush(`${e2e.url}/wechat/${MP.appid}/callback`, forged, { tries: 1 });
    expect(toMp.attempts[0]!.status).toBe(403);
    expect(JSON.parse(toMp.attempts[0]!.body).error.code).toBe('replayed_nonce');
    // Nor with the very bytes account A received.
    const sameBytes = await sendPush(`${e2e.url}/wechat/${MP.appid}/callback`, captured, { tries: 1 });
    expect(sameBytes.attempts[0]!.status).toBe(403);
    expect(await e2e.server.service.ledger.read({ openid: 'o-account-b' })).toEqual([]);
  });
});
