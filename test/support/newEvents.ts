import type { NewEvent } from '../../src/ledger/events.ts';

export function subscribed(appid: string, openid: string, key = `sub:${appid}:${openid}`, occurredAt?: string): NewEvent {
  return { type: 'follow.subscribed', data: { appid, openid }, meta: { source: 'webhook', idempotencyKey: key }, occurredAt };
}

export function unsubscribed(appid: string, openid: string, key = `unsub:${appid}:${openid}`, occurredAt?: string): NewEvent {
  return { type: 'follow.unsubscribed', data: { appid, openid }, meta: { source: 'webhook', idempotencyKey: key }, occurredAt };
}
