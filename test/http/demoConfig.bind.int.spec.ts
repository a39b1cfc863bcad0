import { request } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/loadConfig.ts';
import { startServer } from '../../src/serve.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { buildPush } from '../../src/simulator/pushSender.ts';

const reachable = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, host, () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });

describe('the service on the demo configuration', () => {
  it('listens on 127.0.0.1 only, whatever HOST says', async () => {
    const previous = process.env.HOST;
    process.env.HOST = '0.0.0.0';
    const config = loadConfig({ env: { LEDGER_DATA_DIR: 'memory://', PORT: '0' } });
    const server = await startServer(config, { logger: createLogger({ level: 'silent' }) });
    try {
      expect(server.hostname).toBe('127.0.0.1');
      expect(await reachable('127.0.0.1', server.port)).toBe(true);
      const external = Object.values(networkInterfaces()).flat().filter((i) => i && !i.internal && i.family === 'IPv4');
      for (const address of external) expect(await reachable(address!.address, server.port)).toBe(false);
    } finally {
      await server.close();
      if (previous === undefined) delete process.env.HOST;
      else process.env.HOST = previous;
    }
  });

  it('answers only requests addressed to localhost on its port, and no cross-origin browser request on /v1 (DNS rebinding)', async () => {
    const config = loadConfig({ env: { LEDGER_DATA_DIR: 'memory://', PORT: '0' } });
    const server = await startServer(config, { logger: createLogger({ level: 'silent' }) });
    /** A request to 127.0.0.1 with the Host (and Origin) a browser would send. */
    const ask = (path: string, headers: Record<string, string>) =>
      new Promise<{ status: number; code: string | undefined }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: server.port, path, headers: { authorization: 'Bearer demo-api-key-0123456789', ...headers } }, (res) => {
          let body = '';
          res.on('data', (chunk) => (body += String(chunk)));
          res.on('end', () => {
            let code: string | undefined;
            try {
              code = (JSON.parse(body) as { error?: { code?: string } }).error?.code;
            } catch {
              code = undefined;
            }
            resolve({ status: res.statusCode!, code });
          });
        });
        req.on('error', reject);
        req.end();
      });
    const port = server.port;
    try {
      // A page on evil.example whose name now resolves to 127.0.0.1: its requests say so in Host.
      for (const host of [`evil.example:${port}`, `127.0.0.1.evil.example:${port}`, `localhost:${port + 1}`, 'localhost']) {
        expect(await ask('/v1/events', { host }), host).toEqual({ status: 403, code: 'forbidden_host' });
      }
      expect(await ask('/healthz', { host: `evil.example:${port}` })).toEqual({ status: 403, code: 'forbidden_host' });
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`]) {
        expect((await ask('/v1/events?limit=1', { host })).status, host).toBe(200);
      }
      // Cross-origin browser requests to /v1 (a form post or fetch from another site) are refused…
      for (const origin of ['http://evil.example', `http://localhost:${port + 1}`, 'null']) {
        expect(await ask('/v1/events', { host: `127.0.0.1:${port}`, origin }), origin).toEqual({ status: 403, code: 'forbidden_host' });
      }
      // …same-origin ones (the service's own /docs) are not.
      expect((await ask('/v1/events?limit=1', { host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}` })).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('refuses a cross-origin push to the callback: its token and key are published, so any page could sign one (red team 2, F4)', async () => {
    const config = loadConfig({ env: { LEDGER_DATA_DIR: 'memory://', PORT: '0' } });
    const server = await startServer(config, { logger: createLogger({ level: 'silent' }) });
    const oa = config.accounts.find((account) => account.kind === 'oa')!;
    const account = { appid: oa.appid, token: oa.token!, encodingAESKey: oa.encodingAESKey!, originalId: oa.originalId!, format: 'xml' as const, mode: 'safe' as const };
    /** What a page's no-cors `fetch(…, { method: 'POST', body })` sends: text/plain, its own Origin. */
    const post = (openid: string, origin?: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const push = buildPush(account, { event: 'subscribe', openid, eventKey: 'qrscene_from-a-web-page' });
        const path = `/wechat/${oa.appid}/callback?${new URLSearchParams(push.query)}`;
        const headers = { host: `127.0.0.1:${server.port}`, 'content-type': 'text/plain;charset=UTF-8', ...(origin ? { origin } : {}) };
        const req = request({ host: '127.0.0.1', port: server.port, path, method: 'POST', headers }, (res) => {
          let body = '';
          res.on('data', (chunk) => (body += String(chunk)));
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        });
        req.on('error', reject);
        req.end(push.body);
      });
    try {
      for (const origin of ['http://evil.example', 'null', `http://localhost:${server.port + 1}`]) {
        const answer = await post(`o-forged-${origin.length}`, origin);
        expect(answer.status, origin).toBe(403);
        expect(JSON.parse(answer.body).error.code, origin).toBe('forbidden_host');
        expect(await server.service.ledger.read({ openid: `o-forged-${origin.length}` })).toEqual([]);
      }
      // WeChat sends no Origin: its pushes are answered as ever.
      expect(await post('o-from-wechat')).toEqual({ status: 200, body: 'success' });
      expect((await server.service.ledger.read({ openid: 'o-from-wechat' })).length).toBe(1);
    } finally {
      await server.close();
    }
  });
});
