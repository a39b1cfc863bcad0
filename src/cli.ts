import { parseArgs } from 'node:util';
import { loadConfig, ConfigError } from './config/loadConfig.ts';
import { openStorage } from './ledger/openStorage.ts';
import { createService } from './createService.ts';
import { createLogger } from './observability/logger.ts';
import { verifyProjections } from '../projections/verifyProjections.ts';
import { isProjectionName, PROJECTION_NAMES } from '../projections/projection.ts';
import { migrateToLatest } from './ledger/migrate.ts';
import { startServer } from './serve.ts';
import { startSimulatorFromEnv } from './simulator/main.ts';
import { sendPushCommand } from './sendPushCommand.ts';
import { jobCommand } from './jobs/cli/jobCommand.ts';

const HELP = `identity-ledger <command> [options]

Commands:
  serve                       run the service (HTTP API, webhook, relay, projections)
  migrate                     apply pending schema migrations and exit
  verify                      check the ledger's hash chain and compare each projection with a fresh fold;
                              exits 2 when anything differs
  rebuild [name]              rebuild ${PROJECTION_NAMES.join(', ')} (default: all) from position 0, blue/green
  simulate                    run the WeChat simulator (SIMULATOR_PORT, default 3100)
  send-push                   sign (and encrypt) a push like WeChat and POST it to the service
      --appid <appid> --openid <openid> [--event subscribe|unsubscribe] [--mode plain|compatible|safe]
      [--url http://127.0.0.1:3000] [--event-key qrscene_1]
  reconcile <appid>           reconcile an OA's follow state with WeChat's follower list (user/get)
  backfill-unionids <appid>   look up the unionid of every openid of the OA that lacks one (batchget)
  convert-openids --from <old appid|gh_id> --to <new appid> [--dry-run] [--all] [--openids-file f] [--backfill]
                              convert openids after an account migration (changeopenid, 15-day window)
  resume <job id>             continue a paused, failed or interrupted job where it stopped
  jobs [<job id>] [--kind k] [--appid a] [--status s] [--limit n]
                              list recent jobs, or show one
      Jobs run in this process with a progress bar (plain lines when not a terminal); --detach only
      queues one for a running service. Ctrl-C hands a job back: resume continues it. JOB_LEASE_SECONDS
      (default 30): how soon another instance may take over the job of a process that died.

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
      const service = await createService(loadConfig({ configPath }), { background: false, logger: quietLogger() });
      try {
        service.projections.start();
        await service.projections.waitFor(await service.ledger.head(), 10 * 60_000);
        const ledger = await service.ledger.verify();
        const projections = await verifyProjections(service.ledger, service.projectionContext);
        console.log(JSON.stringify({ ledger, projections }, null, 2));
        return ledger.ok && projections.every((p) => p.ok) ? 0 : 2;
      } finally {
        await service.close();
      }
    }
    case 'rebuild': {
      const requested = rest.filter((arg) => !arg.startsWith('-'));
      const names = requested.length > 0 ? requested : [...PROJECTION_NAMES];
      const unknown = names.filter((name) => !isProjectionName(name));
      if (unknown.length > 0) {
        console.error(`unknown projection: ${unknown.join(', ')} (${PROJECTION_NAMES.join(', ')})`);
        return 1;
      }
      const service = await createService(loadConfig({ configPath }), { background: false, logger: quietLogger() });
      try {
        // This process folds the rebuild unless a running service leads the projection; then
        // that service does, and this waits for the switch.
        service.projections.start();
        const started = Date.now();
        const rebuilt = await Promise.all(names.filter(isProjectionName).map((name) => service.projections.rebuild(name, { timeoutMs: 60 * 60_000 })));
        console.log(`rebuilt ${rebuilt.map((r) => `${r.name} (now v${r.version})`).join(', ')} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
        return 0;
      } finally {
        await service.close();
      }
    }
    case 'simulate': {
      await startSimulatorFromEnv();
      return -1;
    }
    case 'send-push':
      return sendPushCommand(rest, loadConfig({ configPath }));
    case 'reconcile':
    case 'backfill-unionids':
    case 'convert-openids':
    case 'resume':
    case 'jobs':
      return jobCommand(command, rest, loadConfig({ configPath }));
    default:
      console.error(`unknown command: ${command}\n\n${HELP}`);
      return 1;
  }
}

/** One-shot commands print their result; the service's info lines would only be noise. */
function quietLogger() {
  return createLogger({ level: process.env.LOG_LEVEL ?? 'warn' });
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
      `              npx identity-ledger send-push --appid ${oa.appid} --mode safe`,
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
