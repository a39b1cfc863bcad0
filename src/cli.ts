import { parseArgs } from 'node:util';
import { loadConfig, ConfigError } from './config/loadConfig.ts';
import { openStorage } from './ledger/openStorage.ts';
import { migrateToLatest } from './ledger/migrate.ts';
import { createLedger } from './ledger/ledger.ts';
import { startServer } from './serve.ts';
import { startSimulatorFromEnv } from './simulator/main.ts';
import { sendPushCommand } from './sendPushCommand.ts';

const HELP = `identity-ledger <command> [options]

Commands:
  serve                       run the service (HTTP API, webhook, relay, projections)
  migrate                     apply pending schema migrations and exit
  verify                      check the ledger's hash chain (and projections) and exit non-zero when broken
  simulate                    run the WeChat simulator (SIMULATOR_PORT, default 3100)
  send-push                   sign (and encrypt) a push like WeChat and POST it to the service
      --appid <appid> --openid <openid> [--event subscribe|unsubscribe] [--mode plain|compatible|safe]
      [--url http://127.0.0.1:3000] [--event-key qrscene_1]

Options:
  --config <file>             configuration file (default: $LEDGER_CONFIG, else the embedded demo)
  -h, --help                  this help

Environment: DATABASE_URL (PostgreSQL; unset = embedded PGlite in ./data), NATS_URL (JetStream;
unset = in-process bus), PORT (3000), LEDGER_CONFIG, WECHAT_API_BASE, LOG_LEVEL.`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '-h' || command === '--help' || command === 'help') {
    console.log(HELP);
    return command ? 0 : 1;
  }
  const { values } = parseArgs({
    args: rest,
    allowPositionals: true,
    strict: false,
    options: { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const configPath = typeof values.config === 'string' ? values.config : undefined;

  switch (command) {
    case 'serve': {
      const config = loadConfig({ configPath });
      const server = await startServer(config);
      announce(server.url, config);
      const shutdown = async (signal: string) => {
        server.service.logger.info({ signal }, 'shutting down');
        await server.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void shutdown('SIGINT'));
      process.once('SIGTERM', () => void shutdown('SIGTERM'));
      return -1; // keep running
    }
    case 'migrate': {
      const config = loadConfig({ configPath });
      const storage = await openStorage({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
      const result = await migrateToLatest(storage.db);
      const applied = result.results?.filter((r) => r.status === 'Success').map((r) => r.migrationName) ?? [];
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'schema is up to date');
      await storage.close();
      return 0;
    }
    case 'verify': {
      const config = loadConfig({ configPath });
      const storage = await openStorage({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
      await migrateToLatest(storage.db);
      const ledger = createLedger(storage);
      const result = await ledger.verify();
      console.log(JSON.stringify({ ledger: result }, null, 2));
      await ledger.close();
      await storage.close();
      return result.ok ? 0 : 2;
    }
    case 'simulate': {
      await startSimulatorFromEnv();
      return -1;
    }
    case 'send-push':
      return sendPushCommand(rest, loadConfig({ configPath }));
    default:
      console.error(`unknown command: ${command}\n\n${HELP}`);
      return 1;
  }
}

function announce(url: string, config: ReturnType<typeof loadConfig>): void {
  const embedded = !config.databaseUrl;
  const lines = [
    `identity-ledger listening on ${url} (${embedded ? `embedded PGlite in ${config.dataDir}` : 'PostgreSQL'}, ${config.natsUrl ? 'NATS JetStream' : 'in-process bus'})`,
    `  API docs:   ${url}/docs`,
  ];
  const oa = config.accounts.find((a) => a.kind === 'oa' && a.token);
  if (oa) {
    lines.push(
      `  Try it:     npx identity-ledger simulate              # WeChat simulator on :3100 (another terminal)`,
      `              npx identity-ledger send-push --appid ${oa.appid} --openid oTest123 --mode safe`,
      `              curl -H 'Authorization: Bearer <api key>' ${url}/v1/events`,
    );
  }
  console.log(lines.join('\n'));
}

const invokedDirectly = process.argv[1] && /cli\.(ts|js)$|identity-ledger(\.js)?$/.test(process.argv[1]);
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => {
      if (code >= 0) process.exit(code);
    },
    (error) => {
      console.error(error instanceof ConfigError ? error.message : error);
      process.exit(1);
    },
  );
}
