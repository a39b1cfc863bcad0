import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator } from '../../src/simulator/simulator.ts';
import { createTestDatabase } from '../support/testDatabase.ts';
import { startThrowawayNats } from '../support/throwawayNats.ts';
import { startServiceProcess, type ServiceProcess } from '../support/serviceProcess.ts';
import { until } from '../support/until.ts';

const MP = { appid: 'wxsigterm00000mp01', secret: 'mp-secret' };
const API_KEY = 'sigterm-admin-key-0123456789';

/**
 * What `docker stop` does to the container: SIGTERM to the Dockerfile's CMD (run here as a
 * child process against real PostgreSQL and NATS) while a request is in flight. The request is
 * a mini program login held open by the WeChat side (code2Session does not answer until the
 * test says so), so it is in flight for certain when the signal arrives.
 */
describe('the container command on SIGTERM', () => {
  const simulator = createSimulator({ accounts: [{ ...MP, kind: 'mp', seed: 'sigterm' }] });
  const held: (() => void)[] = [];
  let gate: { url: string; close(): Promise<void> };
  let nats: Awaited<ReturnType<typeof startThrowawayNats>>;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let dir: string;
  const running: ServiceProcess[] = [];

  beforeAll(async () => {
    gate = await new Promise((resolve) => {
      const server = serve(
        {
          port: 0,
          hostname: '127.0.0.1',
          async fetch(request) {
            if (new URL(request.url).pathname === '/sns/jscode2session') await new Promise<void>((release) => held.push(release));
            return simulator.app.fetch(request);
          },
        },
        (info: AddressInfo) =>
          resolve({
            url: `http://127.0.0.1:${info.port}`,
            close: () => new Promise<void>((done) => server.close(() => done())),
          }),
      );
    });
    nats = await startThrowawayNats();
    db = await createTestDatabase('sigterm');
    dir = mkdtempSync(join(tmpdir(), 'sigterm-'));
    writeFileSync(
      join(dir, 'ledger.config.json'),
      JSON.stringify({
        accounts: [{ ...MP, kind: 'mp' }],
        apiKeys: [{ key: API_KEY, scopes: ['admin'] }],
        wechat: { apiBase: gate.url },
        sessionKeySecret: 'c2lndGVybS1zZXNzaW9uLWtleS1zZWNyZXQtMzJieXQ=',
        masterKey: 'ZTJlIG1hc3RlciBrZXkgZm9yIHRlc3RzIG9ubHkhISE=',
      }),
    );
  });

  afterAll(async () => {
    for (const service of running) if (service.child.exitCode === null && service.child.signalCode === null) service.child.kill('SIGKILL');
    await Promise.all(running.map((s) => s.exited));
    for (const release of held.splice(0)) release();
    await gate.close();
    await nats.destroy();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async (env: Record<string, string> = {}) => {
    const service = await startServiceProcess({
      LEDGER_CONFIG: join(dir, 'ledger.config.json'),
      DATABASE_URL: db.url,
      NATS_URL: nats.url,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      ...env,
    });
    running.push(service);
    return service;
  };

  const login = (service: ServiceProcess) => {
    const code = simulator.state.issueCode(MP.appid);
    const response = fetch(`${service.url}/v1/miniprogram/${MP.appid}/login`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ code }),
    });
    return { code, response };
  };

  const refusesConnections = (url: string) =>
    fetch(`${url}/healthz`).then(
      () => false,
      () => true,
    );

  it('stops accepting, finishes the request in flight, closes and exits 0', async () => {
    const service = await start();
    const before = held.length;
    const { code, response } = login(service);
    await until(() => held.length > before, 20_000, 'code2Session to be called');

    service.child.kill('SIGTERM');
    await service.waitForLine('shutting down');
    await until(() => refusesConnections(service.url), 10_000, 'the listener to close');
    expect(service.child.exitCode).toBe(null); // still draining: the login has not been answered

    held.pop()!();
    const answer = await response;
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ openid: simulator.state.codeDetails(code)!.openid });
    expect(await service.exited).toEqual({ code: 0, signal: null });
    expect(service.lines.some((l) => l.includes('"msg":"stopped"'))).toBe(true);
  });

  it('exits 1 at once on a second signal while draining', async () => {
    const service = await start();
    const before = held.length;
    const { response } = login(service);
    void response.catch(() => {}); // cut off on purpose
    await until(() => held.length > before, 20_000, 'code2Session to be called');

    service.child.kill('SIGTERM');
    await service.waitForLine('shutting down');
    service.child.kill('SIGTERM');
    expect(await service.exited).toEqual({ code: 1, signal: null });
    expect(service.lines.some((l) => l.includes('second signal'))).toBe(true);
  });

  it('exits 1 when the drain outlasts SHUTDOWN_TIMEOUT_SECONDS', async () => {
    const service = await start({ SHUTDOWN_TIMEOUT_SECONDS: '0.5' });
    const before = held.length;
    const { response } = login(service);
    void response.catch(() => {});
    await until(() => held.length > before, 20_000, 'code2Session to be called');

    service.child.kill('SIGTERM');
    expect(await service.exited).toEqual({ code: 1, signal: null });
    expect(service.lines.some((l) => l.includes('drain timed out'))).toBe(true);
  });
});
