import type { Config } from '../config/schema.ts';
import { UsageError, type CommandArgs } from '../commandLine/parseCommandArgs.ts';
import { createService } from '../createService.ts';
import { createLogger } from '../observability/logger.ts';
import { eraseIdentities } from './eraseIdentities.ts';

/** `identity-ledger erase`: the same erasure as POST /v1/erasures, from the command line. */
export async function eraseCommand(args: CommandArgs, config: Config): Promise<number> {
  const [appid, openid, unionid] = [args.text('appid'), args.text('openid'), args.text('unionid')];
  const target =
    unionid !== undefined && appid === undefined && openid === undefined
      ? { unionid }
      : appid !== undefined && openid !== undefined && unionid === undefined
        ? { appid, openid }
        : null;
  if (!target) throw new UsageError('give --appid and --openid, or --unionid', 'erase');
  const service = await createService(config, { background: false, logger: createLogger({ level: process.env.LOG_LEVEL ?? 'warn' }) });
  try {
    const erasure = await eraseIdentities(service.ledger, target, {
      reason: 'request',
      recordAlways: true,
      registerRetentionDays: config.erasure.registerRetentionDays,
    });
    console.log(JSON.stringify(erasure, null, 2));
    return 0;
  } finally {
    await service.close();
  }
}
