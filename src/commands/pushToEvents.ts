import type { NewEvent } from '../ledger/events.ts';
import { IdempotencyKey } from '../ledger/idempotencyKey.ts';
import { dedupeKey, type Push } from '../wechat/pushes.ts';

/**
 * What a push means for the ledger — a pure decision. The push's dedupe key is the idempotency
 * key (WeChat retries up to 3 times) and CreateTime is the event time, so a late retry of an
 * old subscribe cannot undo a newer unsubscribe. Scans, messages and unknown events mean
 * nothing here: they are counted, not appended.
 */
export function pushToEvents(appid: string, push: Push): NewEvent[] {
  const occurredAt = new Date(('CreateTime' in push && push.CreateTime ? push.CreateTime : 0) * 1000);
  const meta = { source: 'webhook' as const, idempotencyKey: IdempotencyKey.push(appid, dedupeKey(push)) };
  switch (push.kind) {
    case 'subscribe':
      return [
        {
          type: 'follow.subscribed',
          data: {
            appid,
            openid: push.openid,
            ...(push.scene ? { scene: push.scene } : {}),
            ...(push.EventKey ? { eventKey: push.EventKey } : {}),
            ...(push.Ticket ? { ticket: push.Ticket } : {}),
          },
          meta,
          occurredAt,
        },
      ];
    case 'unsubscribe':
      return [{ type: 'follow.unsubscribed', data: { appid, openid: push.openid }, meta, occurredAt }];
    case 'user_authorization_revoke':
      return [{ type: 'authorization.revoked', data: { appid, openid: push.openid, ...(push.RevokeInfo ? { revokeInfo: push.RevokeInfo } : {}) }, meta, occurredAt }];
    case 'user_authorization_cancellation':
      return [{ type: 'authorization.cancelled', data: { appid, openid: push.openid }, meta, occurredAt }];
    case 'user_info_modified':
      return [{ type: 'profile.modified', data: { appid, openid: push.openid }, meta, occurredAt }];
    default:
      return [];
  }
}
