// Logs to stdout through the service's logger, then leaves as `process.argv[2]` says.
import { createLogger } from '../../../src/observability/logger.ts';

const logger = createLogger({ level: 'info' });
logger.info('first');
logger.info({ n: 2, nested: { secret: 'hidden' } }, 'second');
const how = process.argv[2];
if (how === 'exit') process.exit(3);
if (how === 'throw') throw new Error('boom');
if (how === 'later') setTimeout(() => logger.info('third'), 50);
if (how === 'burst') {
  // Far more than a pipe holds (64 KiB), logged within one batch, then exit at once.
  for (let i = 0; i < 2000; i++) logger.info({ i, pad: 'x'.repeat(200) }, 'burst');
  process.exit(0);
}
