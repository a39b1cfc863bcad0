import type { NewEvent } from '../../ledger/events.ts';
import { IdempotencyKey } from '../../ledger/idempotencyKey.ts';
import type { OpenidConversion } from '../../wechat/api/migration.ts';

/**
 * One event per openid and job, success or refusal alike: both share the key, so a chunk redone
 * after a kill can never record an openid twice, even if WeChat answered differently the second time.
 */
export function conversionEvent(jobId: string, fromAppid: string, toAppid: string, result: OpenidConversion): NewEvent {
  const meta = { source: 'conversion' as const, correlationId: jobId, idempotencyKey: IdempotencyKey.conversion(jobId, result.oriOpenid) };
  return result.ok
    ? { type: 'openid.converted', data: { fromAppid, fromOpenid: result.oriOpenid, toAppid, toOpenid: result.newOpenid }, meta }
    : { type: 'openid.conversion_failed', data: { fromAppid, fromOpenid: result.oriOpenid, toAppid, reason: result.errMsg }, meta };
}
