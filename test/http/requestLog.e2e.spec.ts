import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2E, MP, OA, API_KEY, type E2E } from '../support/e2eHarness.ts';
import { createLogger } from '../../src/observability/logger.ts';

describe('request log', () => {
  let e2e: E2E;
  const lines: string[] = [];
  beforeAll(async () => {
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    e2e = await startE2E({ logger: createLogger({ level: 'info', destination }) });
  });
  afterAll(async () => {
    await e2e?.close();
  });

  it('writes one JSON line per request with method, route, status, duration, appid and request id — and no secrets', async () => {
    const code = e2e.simulator.state.issueCode(MP.appid, { openid: 'o-log' });
    const { sessionKey } = e2e.simulator.state.codeDetails(code)!;
    const rawData = '{"nickName":"x"}';
    const signature = createHash('sha1').update(rawData + sessionKey).digest('hex');
    const response = await e2e.api(`/v1/miniprogram/${MP.appid}/login`, { method: 'POST', body: JSON.stringify({ code, rawData, signature }) });
    expect(response.status).toBe(200);
    await e2e.push(OA.appid, { event: 'subscribe', openid: 'o-log-push' }, 'safe');
    await e2e.server.service.unionidReactor!.idle();

    const requests = lines.map((line) => JSON.parse(line)).filter((entry) => entry.msg === 'request');
    const login = requests.find((entry) => entry.route === '/v1/miniprogram/:appid/login');
    expect(login).toMatchObject({ method: 'POST', status: 200, appid: MP.appid });
    expect(typeof login.ms).toBe('number');
    expect(typeof login.requestId).toBe('string');
    expect(requests.find((entry) => entry.route === '/wechat/:appid/callback')).toMatchObject({ method: 'POST', status: 200, appid: OA.appid });

    const everything = lines.join('\n');
    for (const secret of [sessionKey, code, API_KEY, 'oa-secret', 'mp-secret', OA.encodingAESKey, signature]) {
      expect(everything).not.toContain(secret);
    }
  });
  it('keeps a well-formed x-request-id, and replaces an overlong or odd one (never logged or echoed as sent)', async () => {
    const kept = await fetch(`${e2e.url}/healthz`, { headers: { 'x-request-id': 'trace-4bf92f3577b34da6a3ce929d0e0e4736' } });
    expect(kept.headers.get('x-request-id')).toBe('trace-4bf92f3577b34da6a3ce929d0e0e4736');
    const hostile = ['x'.repeat(5000), '"}{"level":60,"msg":"forged', '<script>alert(1)</script>', 'a b', ''];
    for (const id of hostile) {
      const response = await e2e.api('/v1/events?limit=1', { headers: { 'x-request-id': id } });
      const echoed = response.headers.get('x-request-id')!;
      expect(echoed).not.toBe(id);
      expect(echoed).toMatch(/^[0-9a-f-]{36}$/);
      const logged = lines.map((line) => JSON.parse(line)).filter((entry) => entry.msg === 'request' && entry.requestId === echoed);
      expect(logged).toHaveLength(1);
    }
    const everything = lines.join('\n');
    expect(everything).not.toContain('x'.repeat(200));
    expect(everything).not.toContain('<script>');
    expect(everything).not.toContain('forged');
  });
});
