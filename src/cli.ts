import { loadConfig } from './config/loadConfig.ts';
import { ConfigError } from './config/configError.ts';
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
import { eraseCommand } from './erasure/eraseCommand.ts';
import { rewrapKeysCommand } from './ledger/keys/rewrapKeysCommand.ts';
import { stopOnSignal } from './stopOnSignal.ts';
import { startupBanner } from './startupBanner.ts';
import { closestMatch } from './commandLine/closestMatch.ts';
import { COMMANDS, EXIT_CODES, commandHelp, commandNamed, generalHelp } from './commandLine/commandSpecs.ts';
import { parseCommandArgs, UsageError, type CommandArgs } from './commandLine/parseCommandArgs.ts';

/** `identity-ledger <command>`: each command parses its own flags strictly (commandLine/commandSpecs.ts). */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '-h' || command === '--help' || command === 'help') {
    console.log(generalHelp());
    return command ? EXIT_CODES.ok : EXIT_CODES.usage;
  }
  const spec = commandNamed(command);
  if (!spec) {
    const meant = closestMatch(command, COMMANDS.map((c) => c.name));
    console.error(`unknown command: ${command}${meant ? ` (did you mean ${meant}?)` : ''}\n\n${generalHelp()}`);
    return EXIT_CODES.usage;
  }
  let args: CommandArgs;
  try {
    args = parseCommandArgs(spec, rest);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\nsee: identity-ledger ${command} --help`);
    return EXIT_CODES.usage;
  }
  if (args.flag('help')) {
    console.log(commandHelp(spec));
    return EXIT_CODES.ok;
  }
  const configPath = args.text('config');

  switch (command) {
    case 'serve': {
      const config = loadConfig({ configPath });
      const timeoutMs = shutdownTimeoutMs(process.env.SHUTDOWN_TIMEOUT_SECONDS);
      const server = await startServer(config);
      announce(server.url, config);
      stopOnSignal({ close: () => server.close(), logger: server.service.logger, timeoutMs });
      return -1; // keep running
    }
    case 'migrate': {
      const config = loadConfig({ configPath });
      const storage = await openStorage({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, ...(config.postgres ? { postgres: config.postgres } : {}) });
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
      const requested = args.positionals;
      const names = requested.length > 0 ? requested : [...PROJECTION_NAMES];
      const unknown = names.filter((name) => !isProjectionName(name));
      if (unknown.length > 0) {
        const meant = closestMatch(unknown[0]!, [...PROJECTION_NAMES]);
        console.error(`unknown projection: ${unknown.join(', ')} (${PROJECTION_NAMES.join(', ')})${meant ? `; did you mean ${meant}?` : ''}`);
        return EXIT_CODES.usage;
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
    case 'erase':
      return usageErrorsToExit(command, () => eraseCommand(args, loadConfig({ configPath })));
    case 'rewrap-keys':
      return rewrapKeysCommand(loadConfig({ configPath }));
    case 'send-push':
      return usageErrorsToExit(command, () => sendPushCommand(args, loadConfig({ configPath })));
    case 'reconcile':
    case 'backfill-unionids':
    case 'convert-openids':
    case 'resume':
    case 'jobs':
      return usageErrorsToExit(command, () => jobCommand(command, args, loadConfig({ configPath })));
    default:
      throw new Error(`no handler for command ${command}`);
  }
}

/** A command's own argument checks (an unknown appid, say) end like the parser's: exit 64. */
async function usageErrorsToExit(command: string, run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\nsee: identity-ledger ${command} --help`);
    return EXIT_CODES.usage;
  }
}

/** One-shot commands print their result; the service's info lines would only be noise. */
function quietLogger() {
  return createLogger({ level: process.env.LOG_LEVEL ?? 'warn' });
}

function announce(url: string, config: ReturnType<typeof loadConfig>): void {
  console.log(startupBanner(url, config));
}

/** SHUTDOWN_TIMEOUT_SECONDS (default 25, under compose's stop_grace_period of 30 s). */
function shutdownTimeoutMs(value: string | undefined): number {
  if (value === undefined || value === '') return 25_000;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new ConfigError(`SHUTDOWN_TIMEOUT_SECONDS: not a positive number of seconds: ${value}`);
  return seconds * 1000;
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
