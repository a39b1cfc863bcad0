import { createCipheriv, createHash, randomInt, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeMsgSignature, computeSignature } from '../../src/wechat/signature.ts';
import { createMessageCrypto } from '../../src/wechat/messageCrypto.ts';
import { startE2E, OA, MP, WEB, READ_KEY, type E2E } from '../support/e2eHarness.ts';
import { until } from '../support/until.ts';

type Json = Record<string, any>;

const WRITE_KEY = 'e2e-write-key-0123456789';
/** An admin key limited to the mini program. */
const MP_ONLY_KEY = 'e2e-mp-only-key-0123456789';
/** An Official Account migrated long ago: its 15-day changeopenid window is closed. */
const MIGRATED = { appid: 'wxe2e00000000oa02', from: 'wxe2e0000000old01' };

/**
 * The codes each route documents are the codes it returns: every error answered here must be
 * listed in /openapi.json for that route and status, and for a sample of routes every listed
 * code is provoked here (or named below with the test that provokes it).
 */
describe('documented error codes = returned error codes', () => {
  let e2e: E2E;
  let doc: Json;
  const reached = new Map<string, Set<string>>();

  beforeAll(async () => {
    e2e = await startE2E({
      configure(config) {
        config.apiKeys.push({ key: WRITE_KEY, scopes: ['write'] }, { key: MP_ONLY_KEY, scopes: ['admin'], appids: [MP.appid] });
        config.accounts.push({ appid: MIGRATED.appid, kind: 'oa', secret: 'oa2-secret', migratedFrom: { appid: MIGRATED.from, migratedAt: '2020-01-01T00:00:00Z' } } as never);
      },
    });
    doc = (await (await fetch(`${e2e.url}/openapi.json`)).json()) as Json;
  });
  afterAll(async () => {
    await e2e?.close();
  });

  const documented = (operation: string, status: number): string[] => {
    const [method, path] = operation.split(' ') as [string, string];
    const response = doc.paths[path]?.[method.toLowerCase()]?.responses[String(status)];
    return response?.content?.['application/json']?.schema?.properties?.error?.properties?.code?.enum ?? [];
  };

  /** Asserts the answer is the error expected and that the route documents it. */
  async function expectError(operation: string, response: Response | Promise<Response>, status: number, code: string) {
    const answer = await response;
    const body = (await answer.json().catch(() => null)) as Json | null;
    expect({ status: answer.status, code: body?.error?.code }, operation).toEqual({ status, code });
    expect(documented(operation, status), `${operation}: ${status} ${code} is not documented`).toContain(code);
    reached.set(operation, (reached.get(operation) ?? new Set()).add(`${status} ${code}`));
  }

  const api = (path: string, init: RequestInit & { key?: string; json?: unknown } = {}) =>
    e2e.api(path, { ...init, ...(init.json !== undefined ? { method: init.method ?? 'POST', body: JSON.stringify(init.json) } : {}) });

  describe('API keys, on every application route of the document', () => {
    const fill = (path: string, op: Json) =>
      path.replaceAll(/\{([^}]+)\}/g, (_, name: string) => String(op.parameters.find((p: Json) => p.name === name && p.in === 'path').schema.example));

    it('no key → 401 unauthorized; a key without the scope → 403 forbidden', async () => {
      let checked = 0;
      for (const [path, item] of Object.entries<Json>(doc.paths)) {
        for (const [method, op] of Object.entries<Json>(item)) {
          const scope = op.security?.[0]?.bearer?.[0];
          if (!scope) continue;
          const operation = `${method.toUpperCase()} ${path}`;
          const url = `${e2e.url}${fill(path, op)}`;
          await expectError(operation, fetch(url, { method }), 401, 'unauthorized');
          await expectError(operation, fetch(url, { method, headers: { authorization: 'Bearer not-a-key-at-all-0123' } }), 401, 'unauthorized');
          const lacking = scope === 'read' ? WRITE_KEY : READ_KEY;
          await expectError(operation, fetch(url, { method, headers: { authorization: `Bearer ${lacking}` } }), 403, 'forbidden');
          checked++;
        }
      }
      expect(checked).toBeGreaterThanOrEqual(20);
    });
  });

  describe('POST /v1/miniprogram/{appid}/login', () => {
    const op = 'POST /v1/miniprogram/{appid}/login';
    const login = (body: unknown, appid = MP.appid, key?: string) => api(`/v1/miniprogram/${appid}/login`, { json: body, ...(key ? { key } : {}) });
    const encrypt = (sessionKey: string, data: object) => {
      const iv = Buffer.alloc(16, 7);
      const cipher = createCipheriv('aes-128-cbc', Buffer.from(sessionKey, 'base64'), iv);
      return { encryptedData: Buffer.concat([cipher.update(JSON.stringify(data)), cipher.final()]).toString('base64'), iv: iv.toString('base64') };
    };
    const now = () => Math.floor(Date.now() / 1000);
    const withSession = (openid: string) => {
      const code = e2e.simulator.state.issueCode(MP.appid, { openid });
      return { code, sessionKey: e2e.simulator.state.codeDetails(code)!.sessionKey };
    };

    it('refuses what it documents', async () => {
      await expectError(op, login({ code: '' }), 400, 'invalid_request');
      await expectError(op, login({ code: 'c', encryptedData: 'abc' }), 400, 'invalid_request');
      await expectError(op, api(`/v1/miniprogram/${MP.appid}/login`, { method: 'POST', body: 'code=x', headers: { 'content-type': 'text/plain' } }), 415, 'invalid_request');
      await expectError(op, login({ code: 'c' }, OA.appid), 404, 'unknown_appid');
      await expectError(op, login({ code: 'c' }, OA.appid, MP_ONLY_KEY), 403, 'forbidden');
      await expectError(op, login({ code: 'never-issued' }), 401, 'wechat_invalid_code');

      const a = withSession('o-doc-rawdata');
      await expectError(op, login({ code: a.code, rawData: '{}', signature: '0'.repeat(40) }), 400, 'invalid_raw_data_signature');
      const b = withSession('o-doc-iv');
      await expectError(op, login({ code: b.code, encryptedData: 'AAAA', iv: 'AAAA' }), 400, 'decrypt_failed');
      const c = withSession('o-doc-foreign');
      await expectError(op, login({ code: c.code, ...encrypt(c.sessionKey, { openId: 'o-doc-foreign', watermark: { appid: 'wxsomeoneelse', timestamp: now() } }) }), 400, 'watermark_mismatch');
      const d = withSession('o-doc-stale');
      await expectError(op, login({ code: d.code, ...encrypt(d.sessionKey, { openId: 'o-doc-stale', watermark: { appid: MP.appid, timestamp: now() - 3600 } }) }), 400, 'watermark_stale');
      const e = withSession('o-doc-noopenid');
      await expectError(op, login({ code: e.code, ...encrypt(e.sessionKey, { watermark: { appid: MP.appid, timestamp: now() } }) }), 400, 'malformed_payload');
      const f = withSession('o-doc-mismatch');
      await expectError(op, login({ code: f.code, ...encrypt(f.sessionKey, { openId: 'o-someone-else', watermark: { appid: MP.appid, timestamp: now() } }) }), 400, 'openid_mismatch');

      const g = withSession('o-doc-replay');
      expect((await login({ code: g.code })).status).toBe(200);
      await expectError(op, login({ code: g.code, rawData: '{}', signature: createHash('sha1').update(`{}${g.sessionKey}`).digest('hex') }), 409, 'idempotency_conflict');
    });

    it("maps WeChat's errcodes as documented", async () => {
      const failing = async (errcode: number, times: number, status: number, code: string) => {
        e2e.simulator.state.failNext('jscode2session', errcode, times);
        await expectError(op, login({ code: e2e.simulator.state.issueCode(MP.appid, { openid: `o-doc-${errcode}` }) }), status, code);
      };
      await failing(40226, 1, 400, 'wechat_rejected');
      await failing(45011, 1, 429, 'wechat_rate_limited');
      await failing(40125, 1, 502, 'wechat_credentials_rejected');
      await failing(-1, 4, 502, 'wechat_upstream_failure'); // -1 is retried 3 times
    });
  });

  describe('POST /v1/logins', () => {
    const op = 'POST /v1/logins';
    it('refuses what it documents', async () => {
      await expectError(op, api('/v1/logins', { json: { appid: MP.appid } }), 400, 'invalid_request');
      await expectError(op, api('/v1/logins', { method: 'POST', body: '{"appid":', headers: { 'content-type': 'application/json' } }), 400, 'invalid_request');
      await expectError(op, api('/v1/logins', { method: 'POST', body: 'x', headers: { 'content-type': 'text/plain' } }), 415, 'invalid_request');
      await expectError(op, api('/v1/logins', { json: { appid: MP.appid, openid: 'o-doc-old', occurredAt: '2020-01-01T00:00:00Z' } }), 400, 'occurred_at_out_of_range');
      await expectError(op, api('/v1/logins', { json: { appid: MP.appid, openid: 'o-doc-\u0000' } }), 400, 'invalid_event');
      await expectError(op, api('/v1/logins', { json: { appid: 'wxe2enotconfigured', openid: 'o-doc-x' } }), 404, 'unknown_appid');
      await expectError(op, api('/v1/logins', { json: { appid: OA.appid, openid: 'o-doc-x' }, key: MP_ONLY_KEY }), 403, 'forbidden');
      const headers = { 'idempotency-key': `doc-${randomUUID()}` };
      expect((await api('/v1/logins', { json: { appid: MP.appid, openid: 'o-doc-idem-1' }, headers })).status).toBe(200);
      await expectError(op, api('/v1/logins', { json: { appid: MP.appid, openid: 'o-doc-idem-2' }, headers }), 409, 'idempotency_conflict');
    });
  });

  describe('the other application routes', () => {
    it('oauth, events, queries, projections', async () => {
      const oauth = 'GET /v1/oauth/{appid}/callback';
      await expectError(oauth, api(`/v1/oauth/${WEB.appid}/callback`), 400, 'invalid_request');
      await expectError(oauth, api(`/v1/oauth/${WEB.appid}/callback?code=never-issued`), 401, 'wechat_invalid_code');
      await expectError(oauth, api(`/v1/oauth/${MP.appid}/callback?code=x`), 404, 'unknown_appid');
      const snapshot = e2e.simulator.state.issueOauthCode(WEB.appid, { openid: 'o-doc-snapshot', snapshotUser: true });
      await expectError(oauth, api(`/v1/oauth/${WEB.appid}/callback?code=${snapshot}`), 403, 'snapshot_user');

      await expectError('GET /v1/events', api('/v1/events?type=follow.subscrib'), 400, 'invalid_request');
      await expectError('GET /v1/events', api(`/v1/events?appid=${OA.appid}`, { key: MP_ONLY_KEY }), 403, 'forbidden');

      const user = 'GET /v1/accounts/{appid}/users/{openid}';
      await until(async () => ((await api(`/v1/accounts/${OA.appid}/users/o-doc-never`)).status === 404 ? true : undefined), 10_000);
      await expectError(user, api(`/v1/accounts/${OA.appid}/users/o-doc-never`), 404, 'user_not_found');
      await expectError(user, api(`/v1/accounts/${OA.appid}/users/o-doc-never?asOf=yesterday`), 400, 'invalid_request');
      await expectError(user, api(`/v1/accounts/${OA.appid}/users/o-doc-never?minPosition=999999999`), 400, 'min_position_ahead');
      await expectError(user, api(`/v1/accounts/${OA.appid}/users/o-doc-never`, { key: MP_ONLY_KEY }), 403, 'forbidden');

      await expectError('GET /v1/unionids/{unionid}', api('/v1/unionids/u-doc-never'), 404, 'unionid_not_found');
      await expectError('GET /v1/follow-status', api(`/v1/follow-status?appid=${OA.appid}`), 400, 'invalid_request');
      await expectError('GET /v1/follow-status', api(`/v1/follow-status?appid=${OA.appid}&unionid=u`, { key: MP_ONLY_KEY }), 403, 'forbidden');
      await expectError('GET /v1/accounts/{appid}/followers', api(`/v1/accounts/${OA.appid}/followers?limit=0`), 400, 'invalid_request');
      await expectError('GET /v1/accounts/{appid}/stats', api(`/v1/accounts/${'w'.repeat(65)}/stats`), 400, 'invalid_request');

      const daily = 'GET /v1/accounts/{appid}/stats/daily';
      await expectError(daily, api(`/v1/accounts/${OA.appid}/stats/daily?from=2025-02-30`), 400, 'invalid_request');
      await expectError(daily, api(`/v1/accounts/${OA.appid}/stats/daily?from=2025-03-02&to=2025-03-01`), 400, 'invalid_request');
      await expectError(daily, api(`/v1/accounts/${OA.appid}/stats/daily?from=2020-01-01&to=2025-01-01`), 400, 'invalid_request');
      await expectError(daily, api(`/v1/accounts/${OA.appid}/stats/daily`, { key: MP_ONLY_KEY }), 403, 'forbidden');
      const scenes = 'GET /v1/accounts/{appid}/stats/scenes';
      await expectError(scenes, api(`/v1/accounts/${OA.appid}/stats/scenes?limit=0`), 400, 'invalid_request');
      await expectError(scenes, api(`/v1/accounts/${OA.appid}/stats/scenes`, { key: MP_ONLY_KEY }), 403, 'forbidden');
      expect(await (await api('/v1/accounts', { key: MP_ONLY_KEY })).json()).toEqual({ accounts: [{ appid: MP.appid, kind: 'mp' }] });
      await expectError('GET /dashboard/assets/{file}', fetch(`${e2e.url}/dashboard/assets/index.html`), 404, 'not_found');

      await expectError('POST /v1/projections/{name}/rebuild', api('/v1/projections/follow-states/rebuild', { method: 'POST' }), 404, 'unknown_projection');
      await expectError('POST /v1/projections/{name}/rebuild', api('/v1/projections/follow-state/rebuild', { method: 'POST', key: MP_ONLY_KEY }), 403, 'forbidden');
      await expectError('GET /v1/ledger/verify', api('/v1/ledger/verify', { key: MP_ONLY_KEY }), 403, 'forbidden');
    });

    it('jobs', async () => {
      const reconcile = 'POST /v1/accounts/{appid}/reconciliations';
      await expectError(reconcile, api(`/v1/accounts/${'w'.repeat(65)}/reconciliations`, { method: 'POST' }), 400, 'invalid_request');
      await expectError(reconcile, api(`/v1/accounts/${MP.appid}/reconciliations`, { method: 'POST' }), 400, 'not_an_official_account');
      await expectError(reconcile, api('/v1/accounts/wxe2enotconfigured/reconciliations', { method: 'POST' }), 404, 'unknown_appid');
      await expectError(reconcile, api(`/v1/accounts/${OA.appid}/reconciliations`, { method: 'POST', key: MP_ONLY_KEY }), 403, 'forbidden');
      // WeChat's daily quota pauses the job, which keeps the account's place.
      e2e.simulator.state.setFaults({ quotas: [{ api: 'user/get', perDay: 0 }] });
      const started = await api(`/v1/accounts/${OA.appid}/reconciliations`, { method: 'POST' });
      expect(started.status).toBe(202);
      await expectError(reconcile, api(`/v1/accounts/${OA.appid}/reconciliations`, { method: 'POST' }), 409, 'job_already_running');
      e2e.simulator.state.setFaults({});

      const backfill = 'POST /v1/accounts/{appid}/unionid-backfills';
      await expectError(backfill, api(`/v1/accounts/${WEB.appid}/unionid-backfills`, { method: 'POST' }), 400, 'not_an_official_account');
      const { jobId } = (await (await api(`/v1/accounts/${OA.appid}/unionid-backfills`, { method: 'POST' })).json()) as { jobId: string };
      await until(async () => (((await (await api(`/v1/jobs/${jobId}`)).json()) as Json).status === 'done' ? true : undefined), 20_000);
      await expectError('POST /v1/jobs/{id}/resume', api(`/v1/jobs/${jobId}/resume`, { method: 'POST' }), 409, 'job_not_resumable');
      await expectError('POST /v1/jobs/{id}/resume', api(`/v1/jobs/${randomUUID()}/resume`, { method: 'POST' }), 404, 'job_not_found');
      await expectError('GET /v1/jobs/{id}', api(`/v1/jobs/${randomUUID()}`), 404, 'job_not_found');
      await expectError('GET /v1/jobs/{id}', api(`/v1/jobs/${jobId}`, { key: MP_ONLY_KEY }), 403, 'forbidden');
      await expectError('GET /v1/jobs', api('/v1/jobs?status=finished'), 400, 'invalid_request');

      const migrate = 'POST /v1/migrations';
      const migration = (body: Json, key?: string) => api('/v1/migrations', { json: body, ...(key ? { key } : {}) });
      await expectError(migrate, migration({ fromAppid: OA.appid }), 400, 'invalid_request');
      await expectError(migrate, api('/v1/migrations', { method: 'POST', body: 'fromAppid=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, 'invalid_request');
      await expectError(migrate, migration({ fromAppid: OA.appid, toAppid: MP.appid }), 400, 'not_an_official_account');
      await expectError(migrate, migration({ fromAppid: OA.appid, toAppid: 'wxe2enotconfigured' }), 404, 'unknown_appid');
      await expectError(migrate, migration({ fromAppid: 'gh_nobodyknows', toAppid: OA.appid }), 400, 'unknown_original_id');
      await expectError(migrate, migration({ fromAppid: OA.appid, toAppid: OA.appid }), 400, 'same_account');
      await expectError(migrate, migration({ fromAppid: OA.appid, toAppid: MIGRATED.appid }), 400, 'migration_mismatch');
      await expectError(migrate, migration({ fromAppid: MIGRATED.from, toAppid: MIGRATED.appid }), 400, 'outside_migration_window');
      await expectError(migrate, migration({ fromAppid: 'wxe2e0000000old09', toAppid: OA.appid, dryRun: true, openids: ['not an openid'] }), 400, 'invalid_openid_list');
      await expectError(migrate, migration({ fromAppid: 'wxe2e0000000old09', toAppid: OA.appid }, MP_ONLY_KEY), 403, 'forbidden');
    });

    it('erasures', async () => {
      const erase = 'POST /v1/erasures';
      await expectError(erase, api('/v1/erasures', { json: { appid: MP.appid } }), 400, 'invalid_request');
      await expectError(erase, api('/v1/erasures', { json: { unionid: 'u-doc' }, key: MP_ONLY_KEY }), 403, 'forbidden');
      await expectError(erase, api('/v1/erasures', { json: { appid: OA.appid, openid: 'o-doc' }, key: MP_ONLY_KEY }), 403, 'forbidden');
      const byUnionid = (await (await api('/v1/erasures', { json: { unionid: 'u-doc-erased' } })).json()) as { id: string };
      const read = 'GET /v1/erasures/{id}';
      await expectError(read, api('/v1/erasures/not-a-uuid'), 400, 'invalid_request');
      await expectError(read, api(`/v1/erasures/${randomUUID()}`), 404, 'erasure_not_found');
      await expectError(read, api(`/v1/erasures/${byUnionid.id}`, { key: MP_ONLY_KEY }), 403, 'forbidden');
    });
  });

  describe('the WeChat callback', () => {
    const signed = (token: string, timestamp = Math.floor(Date.now() / 1000)) => {
      const nonce = String(randomInt(1e9, 2 ** 47));
      return { timestamp: String(timestamp), nonce, signature: computeSignature(token, String(timestamp), nonce) };
    };
    const callback = (appid: string, query: Record<string, string>, init: RequestInit = {}) => {
      const url = new URL(`${e2e.url}/wechat/${appid}/callback`);
      for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
      return fetch(url, init);
    };
    const post = (query: Record<string, string>, body: string, appid = OA.appid, type = 'text/xml') =>
      callback(appid, query, { method: 'POST', body, headers: { 'content-type': type } });
    const xml = (fields: Record<string, string | number>) =>
      `<xml>${Object.entries(fields).map(([k, v]) => (typeof v === 'number' ? `<${k}>${v}</${k}>` : `<${k}><![CDATA[${v}]]></${k}>`)).join('')}</xml>`;
    const subscribe = (openid: string, extra: Record<string, string | number> = {}) =>
      xml({ ToUserName: OA.originalId, FromUserName: openid, CreateTime: Math.floor(Date.now() / 1000), MsgType: 'event', Event: 'subscribe', ...extra });
    const encrypted = (plaintext: string, appid = OA.appid) => {
      const query = signed(OA.token);
      const encrypt = createMessageCrypto({ token: OA.token, encodingAESKey: OA.encodingAESKey, appid }).encrypt(plaintext);
      return { query: { ...query, encrypt_type: 'aes', msg_signature: computeMsgSignature(OA.token, query.timestamp, query.nonce, encrypt) }, encrypt };
    };

    it('URL verification', async () => {
      const op = 'GET /wechat/{appid}/callback';
      await expectError(op, callback('wxe2enotconfigured', { ...signed('x'), echostr: '1' }), 404, 'unknown_appid');
      await expectError(op, callback(OA.appid, { ...signed('wrong-token'), echostr: '1' }), 403, 'invalid_signature');
      await expectError(op, callback(OA.appid, { ...signed(OA.token, Math.floor(Date.now() / 1000) - 3600), echostr: '1' }), 403, 'stale_timestamp');
      await expectError(op, callback(OA.appid, signed(OA.token)), 400, 'invalid_push');
      const url = signed(OA.token);
      expect((await callback(OA.appid, { ...url, echostr: '4375120948345356249' })).status).toBe(200);
      await expectError(op, callback(OA.appid, { ...url, echostr: '1' }), 403, 'replayed_nonce');
    });

    it('pushes', async () => {
      const op = 'POST /wechat/{appid}/callback';
      await expectError(op, post(signed(OA.token), subscribe('o-doc'), 'wxe2enotconfigured'), 404, 'unknown_appid');
      await expectError(op, post(signed('wrong-token'), subscribe('o-doc')), 403, 'invalid_signature');
      await expectError(op, post(signed(OA.token, Math.floor(Date.now() / 1000) - 3600), subscribe('o-doc')), 403, 'stale_timestamp');
      const url = signed(OA.token);
      expect((await post(url, subscribe('o-doc-once'))).status).toBe(200);
      await expectError(op, post(url, subscribe('o-doc-other')), 403, 'replayed_nonce');
      // The mini program has an EncodingAESKey and no messageMode: safe mode.
      const mpPush = JSON.stringify({ ToUserName: 'gh_mp', FromUserName: 'o-doc-mp', CreateTime: Math.floor(Date.now() / 1000), MsgType: 'event', Event: 'user_authorization_revoke', OpenID: 'o-doc-mp' });
      await expectError(op, post(signed(MP.token), mpPush, MP.appid, 'application/json'), 403, 'encryption_required');
      await expectError(op, post(signed(MP.token), '{"ToUserName":', MP.appid, 'application/json'), 400, 'malformed_json');

      await expectError(op, post(signed(OA.token), '<!DOCTYPE xml [<!ENTITY x "y">]><xml><A>&x;</A></xml>'), 400, 'hostile_xml');
      await expectError(op, post(signed(OA.token), '<xml><A>'), 400, 'malformed_xml');
      await expectError(op, post(signed(OA.token), xml({ ToUserName: OA.originalId, CreateTime: 1, MsgType: 'event', Event: 'subscribe' }).replace('<CreateTime>1</CreateTime>', `<CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><FromUserName></FromUserName>`)), 400, 'invalid_push');
      await expectError(op, post(signed(OA.token), subscribe('o-doc-future', { CreateTime: Math.floor(Date.now() / 1000) + 7200 })), 400, 'invalid_create_time');
      await expectError(op, post(signed(OA.token), subscribe(`o${'x'.repeat(200)}`)), 400, 'invalid_event');
      await expectError(op, post(signed(OA.token), subscribe('o-doc-elsewhere', { ToUserName: 'gh_anotheraccount' })), 400, 'wrong_account');
      await expectError(op, post({ ...signed(OA.token), encrypt_type: 'aes' }, subscribe('o-doc-clear')), 400, 'malformed_payload');
      const foreign = encrypted(subscribe('o-doc-foreign'), 'wxsomeoneelse00001');
      await expectError(op, post(foreign.query, `<xml><Encrypt><![CDATA[${foreign.encrypt}]]></Encrypt></xml>`), 400, 'appid_mismatch');
      const notBase64 = signed(OA.token);
      const bogus = 'not base64 at all!';
      await expectError(
        op,
        post({ ...notBase64, encrypt_type: 'aes', msg_signature: computeMsgSignature(OA.token, notBase64.timestamp, notBase64.nonce, bogus) }, `<xml><Encrypt><![CDATA[${bogus}]]></Encrypt></xml>`),
        400,
        'decrypt_failed',
      );
      await expectError(op, post(signed(OA.token), `<xml><A><B>${'x'.repeat(70_000)}</B></A></xml>`), 413, 'payload_too_large');

      // The same dedupe key (sender, CreateTime, Event, EventKey) with other content.
      const createTime = Math.floor(Date.now() / 1000);
      expect((await post(signed(OA.token), subscribe('o-doc-ticket', { CreateTime: createTime, EventKey: 'qrscene_a', Ticket: 't1' }))).status).toBe(200);
      await expectError(op, post(signed(OA.token), subscribe('o-doc-ticket', { CreateTime: createTime, EventKey: 'qrscene_a', Ticket: 't2' })), 409, 'idempotency_conflict');
    });
  });

  // Last: 45009 opens the quota circuit of jscode2session for the mini program until the quota resets.
  it("login: WeChat's daily quota → 429 wechat_quota_exhausted", async () => {
    e2e.simulator.state.failNext('jscode2session', 45009, 1);
    await expectError('POST /v1/miniprogram/{appid}/login', api(`/v1/miniprogram/${MP.appid}/login`, { json: { code: e2e.simulator.state.issueCode(MP.appid) } }), 429, 'wechat_quota_exhausted');
  });

  /**
   * Codes of the sampled routes that this file does not provoke, each where it is provoked.
   * Anything else a sampled route documents must have been answered above.
   */
  const ELSEWHERE: Record<string, string> = {
    '413 payload_too_large': 'a body over bodyLimitBytes: test/http/login.e2e.spec.ts (the server closes that connection)',
    '503 ledger_unavailable': 'a database outage: test/http/webhook.databaseDown.e2e.spec.ts, test/http/postgres.frozen.e2e.spec.ts',
    '500 internal_error': 'a bug: nothing should provoke it',
    '403 forbidden_host': 'the demo configuration only: test/http/demoConfig.bind.int.spec.ts',
  };
  const SAMPLE = [
    'POST /v1/miniprogram/{appid}/login',
    'POST /v1/logins',
    'POST /v1/accounts/{appid}/reconciliations',
    'POST /v1/migrations',
    'GET /v1/erasures/{id}',
    'GET /wechat/{appid}/callback',
    'POST /wechat/{appid}/callback',
  ];
  const ALSO_ELSEWHERE: Record<string, string[]> = {
    // One job of a kind per account: the same createJob refusal as reconciliations (above).
    'POST /v1/migrations': ['409 job_already_running'],
  };

  it('the sampled routes document nothing they did not answer here (or elsewhere, as listed)', () => {
    for (const operation of SAMPLE) {
      const [method, path] = operation.split(' ') as [string, string];
      const listed = Object.keys(doc.paths[path][method.toLowerCase()].responses)
        .filter((status) => Number(status) >= 400)
        .flatMap((status) => documented(operation, Number(status)).map((code) => `${status} ${code}`));
      const unexplained = listed.filter((entry) => !reached.get(operation)?.has(entry) && !(entry in ELSEWHERE) && !(ALSO_ELSEWHERE[operation] ?? []).includes(entry));
      expect(unexplained, operation).toEqual([]);
    }
  });
});
