import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2E, MP, WEB, READ_KEY, type E2E } from '../support/e2eHarness.ts';

/** What wx.getUserInfo hands the mini program: AES-128-CBC under the session key. */
function encryptUserData(sessionKey: string, data: object): { encryptedData: string; iv: string } {
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-128-cbc', Buffer.from(sessionKey, 'base64'), iv);
  return { encryptedData: Buffer.concat([cipher.update(JSON.stringify(data)), cipher.final()]).toString('base64'), iv: iv.toString('base64') };
}

const json = (response: Response): Promise<any> => response.json();

describe('logins over HTTP', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E();
  });
  afterAll(async () => {
    await e2e?.close();
  });

  const login = (body: object) => e2e.api(`/v1/miniprogram/${MP.appid}/login`, { method: 'POST', body: JSON.stringify(body) });
  const eventsOf = (openid: string) => e2e.server.service.ledger.read({ openid });

  it('MP login with a unionid from code2Session → login.recorded + unionid.resolved (via code2session)', async () => {
    const code = e2e.simulator.state.issueCode(MP.appid, { openid: 'o-mp-1', unionid: 'u-mp-1' });
    const response = await login({ code });
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(body).toEqual({ openid: 'o-mp-1', unionid: 'u-mp-1' });
    expect(JSON.stringify(body)).not.toMatch(/session/i);
    const events = await eventsOf('o-mp-1');
    expect(events.map((e) => [e.type, e.data])).toEqual([
      ['login.recorded', { appid: MP.appid, openid: 'o-mp-1', unionid: 'u-mp-1' }],
      ['unionid.resolved', { appid: MP.appid, openid: 'o-mp-1', unionid: 'u-mp-1', via: 'code2session' }],
    ]);
  });

  it('re-sending the same code answers from the ledger without spending the code again', async () => {
    const code = e2e.simulator.state.issueCode(MP.appid, { openid: 'o-mp-resend' });
    expect(await json(await login({ code }))).toEqual({ openid: 'o-mp-resend', unionid: null });
    const calls = e2e.simulator.state.callCount('jscode2session', MP.appid);
    expect(await json(await login({ code }))).toEqual({ openid: 'o-mp-resend', unionid: null });
    expect(e2e.simulator.state.callCount('jscode2session', MP.appid)).toBe(calls);
    expect((await eventsOf('o-mp-resend')).length).toBe(1);
  });

  it('MP login without a unionid, then with encryptedData carrying unionId → via decrypt; the session key is sealed, never returned', async () => {
    const code = e2e.simulator.state.issueCode(MP.appid, { openid: 'o-mp-2' });
    const { sessionKey } = e2e.simulator.state.codeDetails(code)!;
    const rawData = JSON.stringify({ nickName: '微信用户' });
    const signature = createHash('sha1').update(rawData + sessionKey).digest('hex');
    const data = encryptUserData(sessionKey, { openId: 'o-mp-2', unionId: 'u-mp-2', watermark: { appid: MP.appid, timestamp: Math.floor(Date.now() / 1000) } });
    const response = await login({ code, rawData, signature, ...data });
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(JSON.parse(text)).toEqual({ openid: 'o-mp-2', unionid: 'u-mp-2' });
    expect(text).not.toContain(sessionKey);
    const events = await eventsOf('o-mp-2');
    expect(events.find((e) => e.type === 'unionid.resolved')!.data).toMatchObject({ via: 'decrypt', unionid: 'u-mp-2' });
    expect(JSON.stringify(events)).not.toContain(sessionKey);
    expect(await e2e.server.service.vault.read(MP.appid, 'o-mp-2')).toBe(sessionKey);
    const stored = await e2e.server.service.storage.db.selectFrom('mp_sessions').selectAll().execute();
    expect(JSON.stringify(stored)).not.toContain(sessionKey);
  });

  it('a bad rawData signature → 400 and nothing appended', async () => {
    const code = e2e.simulator.state.issueCode(MP.appid, { openid: 'o-mp-badsig' });
    const response = await login({ code, rawData: '{"nickName":"x"}', signature: '0'.repeat(40) });
    expect(response.status).toBe(400);
    expect((await json(response)).error.code).toBe('invalid_raw_data_signature');
    expect(await eventsOf('o-mp-badsig')).toEqual([]);
  });

  it('a foreign watermark → 400 watermark_mismatch and nothing appended', async () => {
    const code = e2e.simulator.state.issueCode(MP.appid, { openid: 'o-mp-foreign' });
    const { sessionKey } = e2e.simulator.state.codeDetails(code)!;
    const data = encryptUserData(sessionKey, { openId: 'o-mp-foreign', watermark: { appid: 'wxsomeoneelse', timestamp: Math.floor(Date.now() / 1000) } });
    const response = await login({ code, ...data });
    expect(response.status).toBe(400);
    expect((await json(response)).error.code).toBe('watermark_mismatch');
    expect(await eventsOf('o-mp-foreign')).toEqual([]);
  });

  it('40029 → 401, 45011 → 429, with stable codes', async () => {
    const invalid = await login({ code: 'no-such-code' });
    expect(invalid.status).toBe(401);
    expect((await json(invalid)).error.code).toBe('wechat_invalid_code');
    e2e.simulator.state.failNext('jscode2session', 45011);
    const limited = await login({ code: e2e.simulator.state.issueCode(MP.appid) });
    expect(limited.status).toBe(429);
    expect((await json(limited)).error.code).toBe('wechat_rate_limited');
  });

  it('needs an API key with the write scope', async () => {
    const anonymous = await fetch(`${e2e.url}/v1/miniprogram/${MP.appid}/login`, { method: 'POST', body: '{"code":"x"}', headers: { 'content-type': 'application/json' } });
    expect(anonymous.status).toBe(401);
    const readOnly = await e2e.api(`/v1/miniprogram/${MP.appid}/login`, { method: 'POST', body: '{"code":"x"}', key: READ_KEY });
    expect(readOnly.status).toBe(403);
    expect((await json(readOnly)).error.code).toBe('forbidden');
    const invalid = await e2e.api(`/v1/miniprogram/${MP.appid}/login`, { method: 'POST', body: '{"nope":1}' });
    expect(invalid.status).toBe(400);
    expect((await json(invalid)).error.code).toBe('invalid_request');
  });

  it('reported logins: recorded once per Idempotency-Key', async () => {
    const report = () =>
      e2e.api('/v1/logins', { method: 'POST', body: JSON.stringify({ appid: MP.appid, openid: 'o-reported', unionid: 'u-reported' }), headers: { 'idempotency-key': 'k-1' } });
    expect((await report()).status).toBe(200);
    expect((await report()).status).toBe(200);
    expect((await eventsOf('o-reported')).map((e) => e.type)).toEqual(['login.recorded', 'unionid.resolved']);
  });

  it('web OAuth: snsapi_userinfo → oauth.authorized with the unionid', async () => {
    const code = e2e.simulator.state.issueOauthCode(WEB.appid, { openid: 'o-web-1', unionid: 'u-web-1', scope: 'snsapi_userinfo' });
    const response = await e2e.api(`/v1/oauth/${WEB.appid}/callback?code=${code}&state=s`);
    expect(await json(response)).toEqual({ openid: 'o-web-1', unionid: 'u-web-1' });
    expect((await eventsOf('o-web-1')).map((e) => e.type)).toEqual(['oauth.authorized', 'unionid.resolved']);
  });

  it('the audit trail pages by cursor and streams NDJSON', async () => {
    const page = await json(await e2e.api('/v1/events?limit=2', { key: READ_KEY }));
    expect(page.events).toHaveLength(2);
    expect(page.next).toBe(page.events[1].position);
    const filtered = await json(await e2e.api(`/v1/events?type=login.recorded&appid=${MP.appid}`, { key: READ_KEY }));
    expect(filtered.events.every((e: { type: string }) => e.type === 'login.recorded')).toBe(true);
    const ndjson = await (await e2e.api('/v1/events', { key: READ_KEY, headers: { accept: 'application/x-ndjson' } })).text();
    const lines = ndjson.trim().split('\n').map((line) => JSON.parse(line));
    expect(lines.map((e) => e.position)).toEqual(Array.from({ length: lines.length }, (_, i) => i + 1));
    expect(lines.length).toBe(await e2e.server.service.ledger.head());
  });

  it('serves the OpenAPI document and the docs page', async () => {
    const doc = await json(await fetch(`${e2e.url}/openapi.json`));
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/miniprogram/{appid}/login', '/v1/logins', '/v1/events', '/v1/oauth/{appid}/callback']));
    expect((await fetch(`${e2e.url}/docs`)).status).toBe(200);
  });
  // Last: the server closes the connection it answered 413 on before reading the body.
  it('malformed JSON → 400 invalid_request; a body over the limit → 413', async () => {
    const broken = await e2e.api('/v1/logins', { method: 'POST', body: '{"appid": ' });
    expect(broken.status).toBe(400);
    expect((await json(broken)).error.code).toBe('invalid_request');
    const huge = await e2e.api('/v1/logins', { method: 'POST', body: JSON.stringify({ appid: MP.appid, openid: 'x'.repeat(2 * 1024 * 1024) }) });
    expect(huge.status).toBe(413);
    expect((await json(huge)).error.code).toBe('payload_too_large');
  });

});
