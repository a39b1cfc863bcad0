import { isWechatApiError } from '../../wechat/api/errcodes.ts';
import type { OpenidConversion } from '../../wechat/api/migration.ts';
import type { WechatClient } from '../../wechat/api/wechatClient.ts';
import { JobStoppedError } from '../jobErrors.ts';
import type { JobContext } from '../runner/jobContext.ts';
import type { ConversionParams } from './conversionParams.ts';

/** Tries each `from_appid` form on the first openids; the first WeChat does not answer 63178 for wins. */
export async function findFromParam(ctx: JobContext, client: WechatClient, params: ConversionParams, openids: string[]): Promise<{ fromParam: string; results: OpenidConversion[] }> {
  if (openids.length === 0) return { fromParam: params.fromCandidates[0]!, results: [] };
  for (const candidate of params.fromCandidates) {
    try {
      const results = await ctx.retry('changeopenid', () => client.migration.changeOpenid({ fromAppid: candidate, openids }));
      if (candidate !== params.fromCandidates[0]) ctx.logger.info({ fromAppid: candidate }, 'WeChat accepted the other form of from_appid');
      return { fromParam: candidate, results };
    } catch (error) {
      if (!isWechatApiError(error, 'no_migration_relation')) throw error;
    }
  }
  throw noMigrationRelation(params, params.fromCandidates);
}

export function noMigrationRelation(params: ConversionParams, tried: string[]): JobStoppedError {
  return new JobStoppedError(
    'wechat_no_migration_relation',
    `stopped: WeChat answered 63178 — ${params.toAppid} has no migration relation with ${tried.join(' or ')}. ` +
      `Check --from (the OLD account's appid or gh_ original id; --to is the NEW account, whose token is used) and that the migration ` +
      `completed less than 15 days ago.`,
  );
}
