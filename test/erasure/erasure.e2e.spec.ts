import { execFile } from 'node:child_process';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { connect } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STREAM_NAME } from '../../src/bus/subjectOf.ts';
import type { LedgerEvent } from '../../src/ledger/events.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { buildPush, sendPush } from '../../src/simulator/pushSender.ts';
import { MP, OA, startE2E, type E2E } from '../support/e2eHarness.ts';
import { until } from '../support/until.ts';

const run = promisify(execFile);
const json = (response: Response): Promise<any> => response.json();

/**
 * A person is forgotten (DESIGN §7): after an erasure no byte of their openids, unionid or
 * session key is left in PostgreSQL (a pg_dump of the whole database is searched) or in the
 * service's logs, the ledger still verifies, a rebuild from position 0 equals the live
 * projections, and queries answer 404 — while the ledger keeps every event, redacted.
 */
describe('erasure end to end (PostgreSQL, JetStream, simulator)', () => {
  let e2e: E2E;
  const log: string[] = [];
  beforeAll(async () => {
    const destination = new Writable({ write: (chunk, _encoding, done) => (log.push(String(chunk)), done()) });
    e2e = await startE2E({ followers: 50, logger: createLogger({ level: 'debug', destination }) });
  });
  afterAll(async () => {
    await e2e?.close();
  });

  const state = () => e2e.simulator.state;
  const ledger = () => e2e.server.service.ledger;
  const dump = async () => (await run('pg_dump', ['--no-owner', e2e.databaseUrl], { maxBuffer: 256 * 1024 * 1024 })).stdout;

  /** One person: an OA follower (unionid from user/info) who also logged into the MP (session key sealed). */
  async function person(n: number) {
    const oaOpenid = state().openidOf(OA.appid, n);
    const mpOpenid = state().openidOf(MP.appid, n);
    const unionid = state().unionidOf(OA.appid, n);
    expect(await e2e.push(OA.appid, { event: 'subscribe', openid: oaOpenid, eventKey: `qrscene_p${n}` }, 'safe')).toEqual({ status: 200, body: 'success' });
    await until(async () => (await ledger().read({ appid: OA.appid, openid: oaOpenid })).some((e) => e.type === 'unionid.resolved'), 15_000);
    const code = state().issueCode(MP.appid, { openid: mpOpenid, unionid });
    const { sessionKey } = state().codeDetails(code)!;
    const login = await e2e.api(`/v1/miniprogram/${MP.appid}/login`, { method: 'POST', body: JSON.stringify({ code }) });
    expect(await json(login)).toEqual({ openid: mpOpenid, unionid });
    await until(async () => (await e2e.api(`/v1/unionids/${unionid}`)).status === 200 && (await json(await e2e.api(`/v1/unionids/${unionid}`))).accounts.length === 2, 15_000);
    return { oaOpenid, mpOpenid, unionid, sessionKey };
  }

  it('POST /v1/erasures {unionid}: gone from every table, dump and log; the ledger keeps redacted events and verifies; a rebuild equals the live projections', async () => {
    const kept = await person(1);
    const erased = await person(2);
    const before = await dump();
    for (const value of [erased.oaOpenid, erased.mpOpenid, erased.unionid]) expect(before).toContain(value); // projections hold them in clear
    const logged = log.join('');

    const response = await e2e.api('/v1/erasures', { method: 'POST', body: JSON.stringify({ unionid: erased.unionid }) });
    expect(response.status).toBe(201);
    const erasure = await json(response);
    expect(erasure).toMatchObject({ scope: 'unionid', reason: 'request', identities: 2, sessions: 1 });
    expect(erasure.events).toBeGreaterThanOrEqual(4);
    expect(erasure.projectionRows).toBeGreaterThanOrEqual(3);
    expect(JSON.stringify(erasure)).not.toContain(erased.unionid);
    expect(await json(await e2e.api(`/v1/erasures/${erasure.id}`))).toEqual(erasure);
    expect(response.headers.get('location')).toBe(`/v1/erasures/${erasure.id}`);

    // Queries answer as for a stranger; the other person is untouched.
    expect((await e2e.api(`/v1/accounts/${OA.appid}/users/${erased.oaOpenid}`)).status).toBe(404);
    expect((await e2e.api(`/v1/accounts/${MP.appid}/users/${erased.mpOpenid}`)).status).toBe(404);
    expect((await e2e.api(`/v1/accounts/${OA.appid}/users/${erased.oaOpenid}?asOf=${new Date().toISOString()}`)).status).toBe(404);
    expect((await e2e.api(`/v1/unionids/${erased.unionid}`)).status).toBe(404);
    expect(await json(await e2e.api(`/v1/follow-status?appid=${OA.appid}&viaAppid=${MP.appid}&viaOpenid=${erased.mpOpenid}`))).toEqual({ subscribed: false, openid: null });
    expect((await json(await e2e.api(`/v1/unionids/${kept.unionid}`))).accounts).toHaveLength(2);

    // The audit trail keeps every event, redacted: type, time, position and hash intact.
    // Not by the person's identifiers, though: that would confirm the relationship and its times.
    expect((await json(await e2e.api(`/v1/events?appid=${OA.appid}&openid=${erased.oaOpenid}`))).events).toEqual([]);
    expect((await json(await e2e.api(`/v1/events?unionid=${erased.unionid}`))).events).toEqual([]);
    const byAppid = (await json(await e2e.api(`/v1/events?appid=${OA.appid}&limit=1000`))).events as LedgerEvent[];
    const erasedStream = byAppid.find((e) => e.type === 'identity.erased' && e.data.erasureId === erasure.id)!.stream;
    const trail = byAppid.filter((e) => e.stream === erasedStream);
    expect(trail.map((e) => e.type)).toEqual(['follow.subscribed', 'unionid.resolved', 'identity.erased']);
    expect(trail[0]).toMatchObject({ erased: true, data: { appid: OA.appid, openid: null, scene: null, eventKey: null, ticket: null } });
    expect(trail[1]).toMatchObject({ erased: true, data: { appid: OA.appid, openid: null, unionid: null, via: 'user_info' } });
    expect(trail[2]).toMatchObject({ type: 'identity.erased', data: { appid: OA.appid, scope: 'unionid', reason: 'request', erasureId: erasure.id } });
    expect(trail[2]!.erased).toBeUndefined();
    expect((await (await e2e.api(`/v1/events?openid=${erased.mpOpenid}`, { headers: { accept: 'application/x-ndjson' } })).text()).trim()).toBe('');
    const ndjson = await (await e2e.api(`/v1/events?appid=${MP.appid}`, { headers: { accept: 'application/x-ndjson' } })).text();
    expect(ndjson).not.toContain(erased.mpOpenid);
    const mpErasedStream = ndjson.trim().split('\n').map((line) => JSON.parse(line)).find((e) => e.type === 'identity.erased' && e.data.erasureId === erasure.id).stream;
    expect(ndjson.trim().split('\n').map((line) => JSON.parse(line)).filter((e) => e.stream === mpErasedStream).map((e) => e.type)).toEqual(['login.recorded', 'unionid.resolved', 'identity.erased']);

    // Nothing readable left anywhere the service stores: the whole database, and the log.
    const after = await dump();
    for (const value of [erased.oaOpenid, erased.mpOpenid, erased.unionid, erased.sessionKey]) expect(after).not.toContain(value);
    for (const value of [kept.oaOpenid, kept.mpOpenid, kept.unionid]) expect(after).toContain(value);
    for (const value of [erased.oaOpenid, erased.mpOpenid, erased.unionid, erased.sessionKey]) expect(log.join('')).not.toContain(value);
    expect(logged.length).toBeGreaterThan(0);

    // The chain still verifies; both projections, rebuilt from position 0, equal the live ones.
    expect(await json(await e2e.api('/v1/ledger/verify'))).toMatchObject({ ok: true, ledger: { ok: true } });
    await e2e.server.service.projections.rebuild('identity-links');
    await e2e.server.service.projections.rebuild('follow-state');
    await e2e.server.service.projections.rebuild('daily-stats');
    const verified = await json(await e2e.api('/v1/ledger/verify'));
    expect(verified.ok).toBe(true);
    expect(verified.projections.map((p: { name: string; ok: boolean }) => [p.name, p.ok])).toEqual([['identity-links', true], ['follow-state', true], ['daily-stats', true]]);
    // The erased follower's QR scene (qrscene_p2) is gone from the scene counts; the kept one's stays.
    const scenes = (await json(await e2e.api(`/v1/accounts/${OA.appid}/stats/scenes`))).scenes as { scene: string | null; bucket: string }[];
    expect(scenes.map((s) => s.scene)).toContain('p1');
    expect(scenes.map((s) => s.scene)).not.toContain('p2');
    expect(scenes.map((s) => s.bucket)).toContain('erased');
    expect(await dump()).not.toContain(erased.oaOpenid);

    // Consumers hear of it on JetStream: one identity.erased per identity, no personal data.
    const nc = await connect({ servers: e2e.natsUrl });
    const jsm = await nc.jetstreamManager();
    const message = await until(async () => {
      try {
        return await jsm.streams.getMessage(STREAM_NAME, { last_by_subj: `identity.events.identity.erased.${MP.appid}` });
      } catch {
        return undefined;
      }
    }, 15_000);
    const published = message.json<LedgerEvent>();
    // The erased stream, which consumers delete their copies by: the MP identity's own.
    const mpStream = (await ledger().read({ appid: MP.appid, type: 'login.recorded', limit: 100 })).map((e) => e.stream);
    expect(published.stream).toMatch(new RegExp(`^user-${MP.appid}-[0-9a-f]{32}$`));
    expect(mpStream).toContain(published.stream);
    expect(JSON.stringify(published)).not.toContain(erased.mpOpenid);
    const info = await jsm.streams.info(STREAM_NAME);
    expect(info.config.max_age).toBe(7 * 24 * 3600 * 1e9);
    await nc.close();
  });

  it('an unsubscribe push erases the follower (default policy); a late retry of the old subscribe does nothing; a new subscribe starts afresh', async () => {
    const openid = state().openidOf(OA.appid, 3);
    const subscribedAt = Math.floor(Date.now() / 1000) - 60;
    const subscribe = buildPush({ ...OA, format: 'xml', mode: 'safe' }, { event: 'subscribe', openid, createTime: subscribedAt });
    expect((await sendPush(`${e2e.url}/wechat/${OA.appid}/callback`, subscribe, { tries: 1 })).delivered).toBe(true);
    await until(async () => (await e2e.api(`/v1/accounts/${OA.appid}/users/${openid}`)).status === 200, 15_000);
    // The account is in plain mode, so WeChat must confirm the unsubscribe before it erases anyone.
    state().unfollow(OA.appid, openid);
    expect(await e2e.push(OA.appid, { event: 'unsubscribe', openid, createTime: subscribedAt + 10 }, 'safe')).toEqual({ status: 200, body: 'success' });
    // The erasure follows the committed fact (the erasure reactor).
    await e2e.server.service.erasureReactor.idle();
    expect((await e2e.api(`/v1/accounts/${OA.appid}/users/${openid}`)).status).toBe(404);
    const head = await ledger().head();

    // WeChat's retry of the old subscribe (the same body): a duplicate, nothing appended.
    expect((await sendPush(`${e2e.url}/wechat/${OA.appid}/callback`, subscribe, { tries: 1 })).delivered).toBe(true);
    // A different subscribe from before the erasure, arriving late: dropped by the register.
    expect(await e2e.push(OA.appid, { event: 'subscribe', openid, createTime: subscribedAt + 5 }, 'safe')).toEqual({ status: 200, body: 'success' });
    await e2e.server.service.erasureReactor.idle();
    expect(await ledger().head()).toBe(head);
    expect((await e2e.api(`/v1/accounts/${OA.appid}/users/${openid}`)).status).toBe(404);

    // The person follows again: a new subject, with a key of its own.
    expect(await e2e.push(OA.appid, { event: 'subscribe', openid, createTime: subscribedAt + 20, eventKey: 'qrscene_back' }, 'safe')).toEqual({ status: 200, body: 'success' });
    const user = await until(async () => {
      const r = await e2e.api(`/v1/accounts/${OA.appid}/users/${openid}`);
      return r.status === 200 ? json(r) : undefined;
    }, 15_000);
    expect(user.follow).toMatchObject({ subscribed: true, scene: 'back' });
    // By openid, only the new subject; its stream (the same pseudonym) holds the erased history too.
    const live = await ledger().read({ appid: OA.appid, openid });
    expect(live.every((e) => !e.erased && e.type !== 'identity.erased')).toBe(true);
    const trail = (await ledger().read({ appid: OA.appid, limit: 10_000 })).filter((e) => e.stream === live[0]!.stream);
    expect(trail.map((e) => [e.type, Boolean(e.erased)])).toEqual([
      ['follow.subscribed', true],
      ['unionid.resolved', true],
      ['follow.unsubscribed', true],
      ['identity.erased', false],
      ['follow.subscribed', false],
      ...(trail.length > 5 ? [['unionid.resolved', false]] : []),
    ]);
    expect(await json(await e2e.api('/v1/ledger/verify'))).toMatchObject({ ok: true });
  });

  it('an unsubscribe to a plain-mode account that WeChat does not confirm (the person still follows) erases nobody', async () => {
    const openid = state().openidOf(OA.appid, 9);
    expect(await e2e.push(OA.appid, { event: 'subscribe', openid }, 'plain')).toEqual({ status: 200, body: 'success' });
    // A forged unsubscribe, as anyone holding one captured plain-mode URL could send.
    expect(await e2e.push(OA.appid, { event: 'unsubscribe', openid }, 'plain')).toEqual({ status: 200, body: 'success' });
    await e2e.server.service.erasureReactor.idle();
    const user = await until(async () => {
      const r = await e2e.api(`/v1/accounts/${OA.appid}/users/${openid}`);
      const body = r.status === 200 ? await json(r) : undefined;
      return body?.follow?.subscribed === false ? body : undefined;
    }, 15_000);
    expect(user.openid).toBe(openid);
    expect((await ledger().read({ appid: OA.appid, openid })).map((e) => e.type)).not.toContain('identity.erased');
  });

  it('revoke (XML and JSON) and cancellation pushes erase the mini program user; user_info_modified is recorded and keeps them', async () => {
    const users = [4, 5, 6, 7].map((n) => state().openidOf(MP.appid, n));
    for (const openid of users) {
      const code = state().issueCode(MP.appid, { openid });
      expect((await e2e.api(`/v1/miniprogram/${MP.appid}/login`, { method: 'POST', body: JSON.stringify({ code }) })).status).toBe(200);
    }
    await until(async () => (await e2e.api(`/v1/accounts/${MP.appid}/users/${users[3]}`)).status === 200, 15_000);
    const target = `${e2e.url}/wechat/${MP.appid}/callback`;
    const account = { ...MP, mode: 'safe' as const };
    for (const [openid, format, event] of [
      [users[0], 'xml', 'user_authorization_revoke'],
      [users[1], 'json', 'user_authorization_revoke'],
      [users[2], 'json', 'user_authorization_cancellation'],
      [users[3], 'xml', 'user_info_modified'],
    ] as const) {
      const delivery = await sendPush(target, buildPush({ ...account, format }, { event, openid: openid! }), { tries: 1 });
      expect(delivery.attempts[0]).toMatchObject({ status: 200, body: 'success' });
    }
    await e2e.server.service.erasureReactor.idle();
    for (const openid of users.slice(0, 3)) expect((await e2e.api(`/v1/accounts/${MP.appid}/users/${openid}`)).status).toBe(404);
    expect((await e2e.api(`/v1/accounts/${MP.appid}/users/${users[3]}`)).status).toBe(200);
    const reasons = (await ledger().read({ type: 'identity.erased', appid: MP.appid, limit: 100 })).map((e) => (e.data as { reason: string }).reason);
    expect(reasons).toEqual(expect.arrayContaining(['revoke', 'revoke', 'cancellation']));
    const kept = await ledger().read({ appid: MP.appid, openid: users[3] });
    expect(kept.map((e) => e.type)).toEqual(['login.recorded', 'profile.modified']);
    const dumped = await dump();
    for (const openid of users.slice(0, 3)) expect(dumped).not.toContain(openid);
  });

  it('an account whose policy is keep records the unsubscribe and keeps the follower', async () => {
    const service = e2e.server.service;
    service.accounts.get(OA.appid)!.erasure.onUnsubscribe = 'keep';
    try {
      const openid = state().openidOf(OA.appid, 8);
      expect(await e2e.push(OA.appid, { event: 'subscribe', openid }, 'safe')).toEqual({ status: 200, body: 'success' });
      expect(await e2e.push(OA.appid, { event: 'unsubscribe', openid }, 'safe')).toEqual({ status: 200, body: 'success' });
      const user = await until(async () => {
        const r = await e2e.api(`/v1/accounts/${OA.appid}/users/${openid}`);
        const body = r.status === 200 ? await json(r) : undefined;
        return body?.follow?.subscribed === false ? body : undefined;
      }, 15_000);
      expect(user.openid).toBe(openid);
    } finally {
      service.accounts.get(OA.appid)!.erasure.onUnsubscribe = 'erase';
    }
  });

  it('POST /v1/erasures refuses a malformed request and needs the admin scope', async () => {
    expect((await e2e.api('/v1/erasures', { method: 'POST', body: JSON.stringify({ appid: OA.appid }) })).status).toBe(400);
    expect((await e2e.api('/v1/erasures', { method: 'POST', body: JSON.stringify({ unionid: 'u', appid: OA.appid, openid: 'o' }) })).status).toBe(400);
    const { READ_KEY } = await import('../support/e2eHarness.ts');
    expect((await e2e.api('/v1/erasures', { method: 'POST', body: JSON.stringify({ unionid: 'u' }), key: READ_KEY })).status).toBe(403);
    expect((await e2e.api('/v1/erasures/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });
});
