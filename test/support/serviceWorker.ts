// A service instance (createService with its background work: relay, projections, unionid
// reactor) in a process of its own, until killed; prints `ready` once it runs. The configuration
// comes as JSON in argv[2]. Used by the tests that SIGKILL a service.
import type { Config } from '../../src/config/schema.ts';
import { createService } from '../../src/createService.ts';
import { createLogger } from '../../src/observability/logger.ts';

const config = JSON.parse(process.argv[2]!) as Config;
await createService(config, { logger: createLogger({ level: process.env.LOG_LEVEL ?? 'silent' }) });
process.stdout.write('ready\n');
setInterval(() => {}, 60_000);
