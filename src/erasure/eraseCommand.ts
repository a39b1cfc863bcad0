import { parseArgs } from 'node:util';
import type { Config } from '../config/schema.ts';
import { createService } from '../createService.ts';
import { createLogger } from '../observability/logger.ts';
import { eraseIdentities } from './eraseIdentities.ts';

export const ERASE_HELP = `identity-ledger erase --appid <appid> --openid <openid>
identity-ledger erase --unionid <unionid>

Forgets one account's user, or a person across every app under a unionid (PIPL art. 47): deletes
their keys (the ledger's events about them read as redacted from now on), projection rows, session
keys and job work lists, and appends identity.erased. Prints what was erased (counts, no data).`;

/** `identity-ledger erase`: the same erasure as POST /v1/erasures, from the command line. */
export async function eraseCommand(args: string[], config: Config): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: { appid: { type: 'string' }, openid: { type: 'string' }, unionid: { type: 'string' }, config: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(ERASE_HELP);
    return 0;
  }
  const target = values.unionid !== undefined && values.appid === undefined && values.openid === undefined
    ? { unionid: values.unionid }
    : values.appid !== undefined && values.openid !== undefined && values.unionid === undefined
      ? { appid: values.appid, openid: values.openid }
      : null;
  if (!target) {
    console.error(`give --appid and --openid, or --unionid\n\n${ERASE_HELP}`);
    return 1;
  }
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
