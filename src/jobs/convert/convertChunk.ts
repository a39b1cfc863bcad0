import { IdempotencyConflictError } from '../../ledger/ledgerErrors.ts';
import { isWechatApiError } from '../../wechat/api/errcodes.ts';
import type { OpenidConversion } from '../../wechat/api/migration.ts';
import type { WechatClient } from '../../wechat/api/wechatClient.ts';
import type { JobContext } from '../runner/jobContext.ts';
import type { JobItem } from '../store/jobTables.ts';
import { conversionEvent } from './conversionEvents.ts';
import type { ConversionParams } from './conversionParams.ts';
import { noMigrationRelation } from './findFromParam.ts';
import { recordedConversions, type RecordedConversion } from './recordedConversions.ts';

export type Tally = { converted: number; failed: string[] };

function tallyOf(recorded: RecordedConversion[]): Tally {
  return { converted: recorded.filter((r) => r.converted).length, failed: recorded.filter((r) => !r.converted).map((r) => r.reason ?? 'unknown') };
}

/**
 * One `changeopenid` call for the openids of `items` not recorded yet. Only chunks a previous run
 * may have reached (`mayBeRecorded`) are looked up first; should a holder that lost its lease
 * still record some of them meanwhile, the ledger's idempotency keeps its events and ours are
 * dropped — either way one event per openid, and the tally is read back from the ledger.
 */
export async function convertChunk(ctx: JobContext, client: WechatClient, params: ConversionParams, fromParam: string, items: JobItem[], mayBeRecorded: boolean): Promise<Tally> {
  const { job, service } = ctx;
  const openids = items.map((item) => item.openid);
  const recorded = mayBeRecorded ? await recordedConversions(service.ledger, job.id, openids) : [];
  const done = new Set(recorded.map((r) => r.openid));
  const todo = openids.filter((openid) => !done.has(openid));
  if (todo.length === 0) return tallyOf(recorded);

  const results = await changeOpenid(ctx, client, params, fromParam, todo);
  const events = results.map((result) => conversionEvent(job.id, params.oldAppid, params.toAppid, result));
  try {
    await ctx.retry('ledger append', () => service.ledger.append(events));
  } catch (error) {
    if (!(error instanceof IdempotencyConflictError)) throw error;
    for (const event of events) {
      await ctx.retry('ledger append', () => service.ledger.append([event])).catch((conflict: unknown) => {
        if (!(conflict instanceof IdempotencyConflictError)) throw conflict;
      });
    }
    return tallyOf(await recordedConversions(service.ledger, job.id, openids));
  }
  const fresh = results.map((r) => ({ openid: r.oriOpenid, converted: r.ok, reason: r.ok ? null : r.errMsg }));
  return tallyOf([...recorded, ...fresh]);
}

/** `changeopenid` with retries; an openid WeChat did not answer for is recorded as refused. */
async function changeOpenid(ctx: JobContext, client: WechatClient, params: ConversionParams, fromParam: string, openids: string[]): Promise<OpenidConversion[]> {
  let results: OpenidConversion[];
  try {
    results = await ctx.retry('changeopenid', () => client.migration.changeOpenid({ fromAppid: fromParam, openids }));
  } catch (error) {
    if (isWechatApiError(error, 'no_migration_relation')) throw noMigrationRelation(params, [fromParam]);
    throw error;
  }
  const answered = new Map(results.map((result) => [result.oriOpenid, result]));
  return openids.map((openid) => answered.get(openid) ?? { ok: false, oriOpenid: openid, errMsg: 'no result from WeChat' });
}
