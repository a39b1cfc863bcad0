import type { Config } from '../config/schema.ts';
import { UsageError, type CommandArgs } from '../commandLine/parseCommandArgs.ts';
import { createService } from '../createService.ts';
import { createLogger } from '../observability/logger.ts';
import { eraseIdentities } from './eraseIdentities.ts';

/** `identity-ledger erase`: the same erasure as POST /v1/erasures, from the command line. */
export async function eraseCommand(args: CommandArgs, config: Config, stdin: NodeJS.ReadableStream = process.stdin): Promise<number> {
  const appid = args.text('appid');
  let [openid, unionid] = [args.text('openid'), args.text('unionid')];
  if (openid === '-' && unionid === '-') throw new UsageError('only one of --openid and --unionid can be read from stdin', 'erase');
  // `-`: the identifier is read from stdin, so it never shows in the process list or a shell's history.
  if (openid === '-') openid = await readIdentifier(stdin, 'openid');
  if (unionid === '-') unionid = await readIdentifier(stdin, 'unionid');
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

async function readIdentifier(stdin: NodeJS.ReadableStream, name: string): Promise<string> {
  let text = '';
  for await (const chunk of stdin) {
    text += chunk.toString();
    if (text.length > 4096) break;
  }
  const lines = text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '');
  if (lines.length !== 1) throw new UsageError(`--${name} -: stdin must hold exactly one ${name} (got ${lines.length} lines)`, 'erase');
  return lines[0]!;
}
