// The service under test in the query benchmark, in its own process: `startServer` with the
// population's Official Account and mini program and a read-only API key. It answers `listening`
// only once both projections have folded the whole generated ledger.
import { parseConfigFile } from '../src/config/loadConfig.ts';
import type { Config } from '../src/config/schema.ts';
import { startServer, type RunningServer } from '../src/serve.ts';
import { onParentMessage, sendToParent, type ChildMessage } from './benchChild.ts';
import { QUERY_API_KEY, QUERY_MASTER_KEY, QUERY_MP, QUERY_OA } from './queryPopulation.ts';

let server: RunningServer | null = null;

onParentMessage(
  async (message: ChildMessage) => {
    if (message.type !== 'start') return;
    const file = parseConfigFile({
      accounts: [
        // Lookups are measured on the population as generated: its unsubscribers are kept, so the
        // erasure reactor has nothing to do (nor WeChat to ask) during the measurement.
        { appid: QUERY_OA, kind: 'oa', secret: 'bench-query-oa-secret', erasure: { onUnsubscribe: 'keep' } },
        { appid: QUERY_MP, kind: 'mp', secret: 'bench-query-mp-secret' },
      ],
      apiKeys: [{ key: QUERY_API_KEY, scopes: ['read'] }],
      // Nothing here calls WeChat: no pushes, no jobs.
      wechat: { apiBase: 'http://127.0.0.1:9', watermarkMaxAgeSeconds: 300, timestampToleranceSeconds: null },
    // A fixed key for tests and benchmarks only (production requires a configured one).
    masterKey: QUERY_MASTER_KEY,
    });
    const config: Config = { ...file, databaseUrl: message.databaseUrl as string, natsUrl: null, port: 0, dataDir: './data' };
    const started = performance.now();
    server = await startServer(config);
    const head = await server.service.ledger.head();
    await server.service.projections.waitFor(head, 10 * 60_000);
    // The outbox relay works through the same backlog (here: publishing it to the in-process
    // bus); a service in steady state has none, so the lookups are measured after it too.
    while (server.service.relay.status().cursor < head) await new Promise((r) => setTimeout(r, 100));
    sendToParent({ type: 'listening', url: server.url, head, foldMs: performance.now() - started });
  },
  async () => {
    await server?.close();
  },
);
