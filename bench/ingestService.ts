// The service under test in the ingest benchmark, in its own process: `startServer` configured
// like the end-to-end harness (one Official Account, the simulator as WeChat's API).
import { parseConfigFile } from '../src/config/loadConfig.ts';
import type { Config } from '../src/config/schema.ts';
import { startServer, type RunningServer } from '../src/serve.ts';
import { onParentMessage, sendToParent, type ChildMessage } from './benchChild.ts';
import { BENCH_OA } from './signedPushes.ts';

let server: RunningServer | null = null;

onParentMessage(
  async (message: ChildMessage) => {
    if (message.type === 'start') {
      const file = parseConfigFile({
        accounts: [{ appid: BENCH_OA.appid, kind: 'oa', secret: BENCH_OA.secret, token: BENCH_OA.token, encodingAESKey: BENCH_OA.encodingAESKey, originalId: BENCH_OA.originalId }],
        apiKeys: [{ key: 'bench-admin-key-0123456789', scopes: ['admin'] }],
        // The pushes are signed when the load process builds them, minutes before the last is sent.
        wechat: { apiBase: message.apiBase as string, watermarkMaxAgeSeconds: 300, timestampToleranceSeconds: 3600 },
        // A fixed key for benchmarks only (production requires a configured one).
        masterKey: 'ZTJlIG1hc3RlciBrZXkgZm9yIHRlc3RzIG9ubHkhISE=',
      });
      // `role: 'api'` (--split): this process takes the pushes, another (`all`) does the ledger's followers.
      const role = (message.role as Config['role']) ?? 'all';
      const config: Config = { ...file, databaseUrl: message.databaseUrl as string, natsUrl: (message.natsUrl as string | null) ?? null, port: 0, dataDir: './data', role };
      server = await startServer(config);
      sendToParent({ type: 'listening', url: server.url });
    } else if (message.type === 'stats') {
      const { ledger, unionidReactor, erasureReactor, consumer } = server!.service;
      // After the load: how long the erasure reactor takes to erase the run's unsubscribers (the
      // account's default policy erases them), bounded so a stuck reactor shows as one.
      const started = performance.now();
      const caughtUp = await Promise.race([erasureReactor.idle().then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 120_000))]);
      const erasure = { caughtUp, seconds: (performance.now() - started) / 1000, failing: consumer.status().processors.find((p) => p.name === 'erasure-reactor')?.lastError ?? null };
      const verified = await ledger.verify();
      sendToParent({ type: 'stats', head: await ledger.head(), verified, resolver: unionidReactor!.stats(), erasure });
    }
  },
  async () => {
    await server?.close();
  },
);
