import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { parseConfigFile } from '../../src/config/loadConfig.ts';
import type { Config } from '../../src/config/schema.ts';
import { createService, type Service } from '../../src/createService.ts';
import type { LedgerEvent } from '../../src/ledger/events.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createSimulator, type Simulator } from '../../src/simulator/simulator.ts';
import { subscribed } from '../support/newEvents.ts';
import { createTestDatabase } from '../support/testDatabase.ts';
import { TSX } from '../support/tsx.ts';
import { until } from '../support/until.ts';

const worker = fileURLToPath(new URL('../support/serviceWorker.ts', import.meta.url));
const OA = 'wxreactor00000oa01';

/**
 * Unionid lookups after subscribes used to live only in the memory of the process that took the
 * push: a kill -9 lost them until someone ran backfill-unionids. The reactor keeps its place in the
 * ledger instead, so the next instance makes them.
 */
describe('the unionid reactor, its process killed with lookups under way (PostgreSQL)', () => {
  let simulator: Simulator;
  let closeSimulator: () => Promise<void>;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let config: Config;
  let service: Service | null = null;
  beforeAll(async () => {
    simulator = createSimulator({ accounts: [{ appid: OA, secret: 'reactor-secret', kind: 'oa', seed: 'reactor', followers: { count: 100 } }] });
    const running = await simulator.listen(0);
    closeSimulator = () => running.close();
    database = await createTestDatabase('reactor');
    const file = parseConfigFile({
      accounts: [{ appid: OA, kind: 'oa', secret: 'reactor-secret' }],
      wechat: { apiBase: running.url, callsPerSecond: 1000 },
      masterKey: 'ZTJlIG1hc3RlciBrZXkgZm9yIHRlc3RzIG9ubHkhISE=',
    });
    config = { ...file, databaseUrl: database.url, natsUrl: null, port: 0, dataDir: './data' };
  });
  afterAll(async () => {
    await service?.close();
    await closeSimulator();
    await database.drop();
  });

  it('asks WeChat again, after the restart, for every subscribe whose lookup the killed process had not finished', async () => {
    // WeChat answers slowly: the first lookups are in flight, the others queued, when the kill comes.
    simulator.state.setFaults({ latency: { ms: 3000, apis: ['user/info', 'user/info/batchget'] } });
    const child = spawn(TSX, [worker, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    const kill = () => {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
    };
    onTestFinished(kill);
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await until(() => output.includes('ready'), 60_000, 'the service process to start');

    // Subscribes as the webhook appends them, in several commits (so several pages).
    service = await createService(config, { background: false, logger: createLogger({ level: 'silent' }) });
    const openids = Array.from({ length: 30 }, (_, p) => simulator.state.openidOf(OA, p));
    const subscribes: LedgerEvent[] = [];
    for (let i = 0; i < openids.length; i += 10) {
      subscribes.push(...(await service.ledger.append(openids.slice(i, i + 10).map((openid) => subscribed(OA, openid, `push:${OA}:${openid}`)))).events);
    }
    const lookups = () => simulator.state.callCount('user/info', OA) + simulator.state.callCount('user/info/batchget', OA);
    await until(() => lookups() > 0, 30_000, 'the first lookup to reach WeChat');
    kill();
    expect(await exited).toBe('SIGKILL');
    const resolvedBefore = await service.ledger.read({ type: 'unionid.resolved', limit: 1000 });
    expect(resolvedBefore).toEqual([]);

    // The next instance (here: this process) resumes the reactor from its checkpoint.
    simulator.state.clearFaults();
    await service.close();
    service = await createService(config, { logger: createLogger({ level: 'silent' }) });
    const ledger = service.ledger;
    const resolved = await until(
      async () => {
        const events = await ledger.read({ type: 'unionid.resolved', limit: 1000 });
        return events.length >= openids.length ? events : null;
      },
      30_000,
      'a unionid for every subscriber',
    );
    // Each one once, caused by its subscribe, with the unionid WeChat knows.
    expect(resolved).toHaveLength(openids.length);
    expect(resolved.map((e) => (e.data as { openid: string }).openid).sort()).toEqual([...openids].sort());
    for (const event of resolved) {
      const { openid, unionid } = event.data as { openid: string; unionid: string };
      expect(unionid).toBe(simulator.state.unionidOf(OA, openids.indexOf(openid)));
      expect(event.meta.causationId).toBe(subscribes.find((s) => (s.data as { openid: string }).openid === openid)!.id);
    }
  });
});
