import { parseConfigFile } from '../../src/config/loadConfig.ts';
import type { Config } from '../../src/config/schema.ts';
import { startServer, type RunningServer } from '../../src/serve.ts';
import type { RouteModule } from '../../src/http/createApp.ts';
import type { Logger } from '../../src/observability/logger.ts';
import type { JobRunnerOptions } from '../../src/jobs/index.ts';
import { createSimulator, type Simulator, type SimulatedAccount } from '../../src/simulator/simulator.ts';
import { buildPush, sendPush, type PushEvent, type PushMode } from '../../src/simulator/pushSender.ts';
import { createTestDatabase } from './testDatabase.ts';
import { startThrowawayNats } from './throwawayNats.ts';
import { startTcpProxy } from './tcpProxy.ts';

export const API_KEY = 'e2e-admin-key-0123456789';
export const READ_KEY = 'e2e-read-key-0123456789';
export const OA = { appid: 'wxe2e00000000oa01', token: 'e2etoken', encodingAESKey: 'kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR', originalId: 'gh_e2e0000oa01' };
export const MP = { appid: 'wxe2e00000000mp01', token: 'e2emptoken', encodingAESKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG', originalId: 'gh_e2e0000mp01' };
export const WEB = { appid: 'wxe2e0000000web01' };

export type E2E = {
  url: string;
  server: RunningServer;
  simulator: Simulator;
  natsUrl: string;
  databaseUrl: string;
  /** Cuts and restores the service's path to PostgreSQL. */
  database: { cut(): Promise<void>; restore(): Promise<void> };
  /** `build` as buildPush takes it, e.g. `{ now }` to sign a push as if sent at another time. */
  push(appid: string, event: PushEvent, mode?: PushMode, build?: Parameters<typeof buildPush>[2]): Promise<{ status: number | null; body: string }>;
  api(path: string, init?: RequestInit & { key?: string }): Promise<Response>;
  close(): Promise<void>;
};

/**
 * The whole service over HTTP against real PostgreSQL (a fresh database behind a cuttable
 * proxy), a throwaway JetStream server and the WeChat simulator.
 */
export async function startE2E(
  options: { followers?: number; extraRoutes?: RouteModule[]; configure?: (config: Config) => void; logger?: Logger; jobs?: JobRunnerOptions } = {},
): Promise<E2E> {
  const simulatedAccounts: SimulatedAccount[] = [
    { appid: OA.appid, secret: 'oa-secret', kind: 'oa', originalId: OA.originalId, seed: 'e2e', followers: { count: options.followers ?? 20 } },
    { appid: MP.appid, secret: 'mp-secret', kind: 'mp', seed: 'e2e' },
    { appid: WEB.appid, secret: 'web-secret', kind: 'web', seed: 'e2e' },
  ];
  const simulator = createSimulator({ accounts: simulatedAccounts });
  const running = await simulator.listen(0);
  const nats = await startThrowawayNats();
  const db = await createTestDatabase('e2e');
  const proxy = await startTcpProxy(5432);
  const proxied = new URL(db.url);
  proxied.port = String(proxy.port);

  const file = parseConfigFile({
    accounts: [
      { appid: OA.appid, kind: 'oa', secret: 'oa-secret', token: OA.token, encodingAESKey: OA.encodingAESKey, originalId: OA.originalId, messageMode: 'plain' },
      { appid: MP.appid, kind: 'mp', secret: 'mp-secret', token: MP.token, encodingAESKey: MP.encodingAESKey, originalId: MP.originalId, pushFormat: 'json' },
      { appid: WEB.appid, kind: 'web', secret: 'web-secret' },
    ],
    apiKeys: [
      { key: API_KEY, scopes: ['admin'] },
      { key: READ_KEY, scopes: ['read'] },
    ],
    wechat: { apiBase: running.url, watermarkMaxAgeSeconds: 300 },
    sessionKeySecret: 'ZTJlLXNlc3Npb24ta2V5LXNlY3JldC0zMi1ieXRlcyE=',
    // A fixed key for tests and benchmarks only (production requires a configured one).
    masterKey: 'ZTJlIG1hc3RlciBrZXkgZm9yIHRlc3RzIG9ubHkhISE=',
  });
  const config: Config = { ...file, databaseUrl: proxied.toString(), natsUrl: nats.url, port: 0, dataDir: './data' };
  options.configure?.(config);
  const server = await startServer(config, { extraRoutes: options.extraRoutes ?? [], ...(options.logger ? { logger: options.logger } : {}), ...(options.jobs ? { jobs: options.jobs } : {}) });
  const url = server.url;
  const accounts: Record<string, { token: string; encodingAESKey: string; originalId: string; format: 'xml' | 'json' }> = {
    [OA.appid]: { ...OA, format: 'xml' },
    [MP.appid]: { ...MP, format: 'json' },
  };
  return {
    url,
    server,
    simulator,
    natsUrl: nats.url,
    databaseUrl: db.url,
    database: { cut: () => proxy.cut(), restore: () => proxy.restore() },
    async push(appid, event, mode = 'plain', build = {}) {
      const account = accounts[appid]!;
      const built = buildPush({ appid, ...account, mode }, event, build);
      const delivery = await sendPush(`${url}/wechat/${appid}/callback`, built, { tries: 1 });
      const last = delivery.attempts[0]!;
      return { status: last.status, body: last.body };
    },
    api(path, init = {}) {
      const headers = new Headers(init.headers);
      headers.set('authorization', `Bearer ${init.key ?? API_KEY}`);
      if (init.body && !headers.has('content-type')) headers.set('content-type', 'application/json');
      return fetch(`${url}${path}`, { ...init, headers });
    },
    async close() {
      await server.close();
      await proxy.close();
      await running.close();
      await nats.destroy();
      await db.drop();
    },
  };
}

/**
 * For tests about something other than erasure: every account keeps a person who unsubscribes,
 * revokes or cancels (the product's default erases them; see test/erasure/).
 */
export function keepWithdrawals(config: Config): void {
  for (const account of config.accounts) account.erasure = { onUnsubscribe: 'keep', onRevoke: 'keep', onCancellation: 'keep' };
}
