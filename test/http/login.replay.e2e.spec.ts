import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { miniProgramLogin } from '../../src/commands/miniProgramLogin.ts';
import { oauthCallback } from '../../src/commands/oauthCallback.ts';
import { CODE_LIFETIME_MS } from '../../src/commands/codeReplay.ts';
import { startE2E, MP, WEB, type E2E } from '../support/e2eHarness.ts';

const OTHER_WRITE_KEY = 'e2e-other-write-key-0123456789';
const json = (response: Response): Promise<any> => response.json();

describe('one-time codes seen again', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E({ configure: (config) => config.apiKeys.push({ key: OTHER_WRITE_KEY, scopes: ['write'] }) });
  });
  afterAll(async () => {
    await e2e?.close();
  });

  const login = (body: object, key?: string) =>
    e2e.api(`/v1/miniprogram/${MP.appid}/login`, { method: 'POST', body: JSON.stringify(body), ...(key ? { key } : {}) });
  const signed = (rawData: string, sessionKey: string) => createHash('sha1').update(rawData + sessionKey).digest('hex');

  it('the same request again within the lifetime is answered from the ledger, without spending the code', async () => {
    const code = e2e.simulator.state.issueCode(MP.appid, { openid: 'o-replay-same' });
    const { sessionKey } = e2e.simulator.state.codeDetails(code)!;
    const rawData = '{"nickName":"a"}';
    const body = { code, rawData, signature: signed(rawData, sessionKey) };
    expect(await json(await login(body))).toEqual({ openid: 'o-replay-same', unionid: null });
    const calls = e2e.simulator.state.callCount('jscode2session', MP.appid);
    const again = await login(body);
    expect(again.status).toBe(200);
    expect(await json(again)).toEqual({ openid: 'o-replay-same', unionid: null });
    expect(e2e.simulator.state.callCount('jscode2session', MP.appid)).toBe(calls);
  });

  it('a used code re-sent with a forged rawData signature → 409, never the user', async () => {
    const code = e2e.simulator.state.issueCode(MP.appid, { openid: 'o-replay-forged' });
    const { sessionKey } = e2e.simulator.state.codeDetails(code)!;
    const rawData = '{"nickName":"a"}';
    expect((await login({ code, rawData, signature: signed(rawData, sessionKey) })).status).toBe(200);
    const forged = await login({ code, rawData: '{"nickName":"evil"}', signature: '0'.repeat(40) });
    expect(forged.status).toBe(409);
    const body = await json(forged);
    expect(body.error.code).toBe('idempotency_conflict');
    expect(JSON.stringify(body)).not.toContain('o-replay-forged');
    // Without rawData at all: also a different request.
    expect((await login({ code })).status).toBe(409);
  });

  it('a used code re-sent by another API key → 409', async () => {
    const code = e2e.simulator.state.issueCode(MP.appid, { openid: 'o-replay-other-key' });
    expect((await login({ code })).status).toBe(200);
    const other = await login({ code }, OTHER_WRITE_KEY);
    expect(other.status).toBe(409);
    expect(JSON.stringify(await json(other))).not.toContain('o-replay-other-key');
  });

  it('a leaked OAuth code replayed by someone else (another key, or another state) logs nobody in', async () => {
    const code = e2e.simulator.state.issueOauthCode(WEB.appid, { openid: 'o-oauth-victim', unionid: 'u-oauth-victim', scope: 'snsapi_userinfo' });
    const first = await e2e.api(`/v1/oauth/${WEB.appid}/callback?code=${code}&state=s1`);
    expect(await json(first)).toEqual({ openid: 'o-oauth-victim', unionid: 'u-oauth-victim' });
    for (const replay of [
      // The very same redirect again — the app's backend, its key, the code and state from the
      // URL: exactly what someone who found the URL in a browser history or a log sends.
      await e2e.api(`/v1/oauth/${WEB.appid}/callback?code=${code}&state=s1`),
      await e2e.api(`/v1/oauth/${WEB.appid}/callback?code=${code}&state=s1`, { key: OTHER_WRITE_KEY }),
      await e2e.api(`/v1/oauth/${WEB.appid}/callback?code=${code}&state=other`),
      await e2e.api(`/v1/oauth/${WEB.appid}/callback?code=${code}`),
    ]) {
      expect(replay.status).toBe(409);
      const body = await json(replay);
      expect(body.error.code).toBe('idempotency_conflict');
      expect(JSON.stringify(body)).not.toContain('o-oauth-victim');
    }
    // Nothing was exchanged or recorded again.
    expect(await e2e.server.service.ledger.read({ openid: 'o-oauth-victim', type: 'oauth.authorized' })).toHaveLength(1);
  });

  it('after the code lifetime even the same mini program login is refused with 401; an OAuth code is refused at any time', async () => {
    const service = e2e.server.service;
    const later = () => Date.now() + CODE_LIFETIME_MS + 60_000;
    const code = e2e.simulator.state.issueCode(MP.appid, { openid: 'o-replay-late' });
    const deps = { ledger: service.ledger, client: service.wechat(MP.appid)!, vault: service.vault, watermarkMaxAgeSeconds: null };
    const input = { appid: MP.appid, code, requester: 'k' };
    expect(await miniProgramLogin(deps, input)).toEqual({ openid: 'o-replay-late', unionid: null });
    await expect(miniProgramLogin({ ...deps, now: later }, input)).rejects.toMatchObject({ status: 401, code: 'wechat_invalid_code' });

    const oauthCode = e2e.simulator.state.issueOauthCode(WEB.appid, { openid: 'o-oauth-late', scope: 'snsapi_base' });
    const oauthDeps = { ledger: service.ledger, client: service.wechat(WEB.appid)! };
    const oauthInput = { appid: WEB.appid, code: oauthCode, requester: 'k' };
    expect((await oauthCallback(oauthDeps, oauthInput)).openid).toBe('o-oauth-late');
    // An OAuth code is never answered twice, early or late (see the leaked-code test above).
    await expect(oauthCallback(oauthDeps, oauthInput)).rejects.toMatchObject({ status: 409, code: 'idempotency_conflict' });
  });

  it('the request digest is kept in the login event, and is not the code', async () => {
    const code = e2e.simulator.state.issueCode(MP.appid, { openid: 'o-replay-digest' });
    expect((await login({ code })).status).toBe(200);
    const [event] = await e2e.server.service.ledger.read({ openid: 'o-replay-digest', type: 'login.recorded' });
    expect(event!.meta.requestDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(event!.meta.requestDigest).not.toContain(code);
  });
});
