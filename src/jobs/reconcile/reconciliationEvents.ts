import type { NewEvent } from '../../ledger/events.ts';
import { IdempotencyKey } from '../../ledger/idempotencyKey.ts';

/**
 * A correction found by a reconciliation pass. Its event time is the pass's start, so any push
 * WeChat sent during the pass (a later CreateTime) wins over it, whatever order they arrive in.
 * Keys name the job and the openid: a resumed job appends each correction once.
 */
export function correctionEvent(jobId: string, appid: string, openid: string, action: 'subscribe' | 'unsubscribe', startedAt: string): NewEvent {
  const meta = { source: 'reconciliation' as const, correlationId: jobId, idempotencyKey: IdempotencyKey.reconciliationCorrection(jobId, action, openid) };
  return action === 'subscribe'
    ? { type: 'follow.subscribed', data: { appid, openid }, meta, occurredAt: startedAt }
    : { type: 'follow.unsubscribed', data: { appid, openid }, meta, occurredAt: startedAt };
}

export function reconciliationCompleted(
  jobId: string,
  fact: { appid: string; followers: number; added: number; removed: number; startedAt: string },
): NewEvent {
  return {
    type: 'reconciliation.completed',
    data: fact,
    meta: { source: 'reconciliation', correlationId: jobId, idempotencyKey: IdempotencyKey.reconciliationCompleted(jobId) },
  };
}
