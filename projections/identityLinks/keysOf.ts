import type { LedgerEvent } from '../../src/ledger/events.ts';
import type { Key } from '../key.ts';

/** Every event that names a user is a sighting of that key; a conversion touches both its ends. */
export function keysOf(event: LedgerEvent): Key[] {
  if (event.erased) return [];
  switch (event.type) {
    case 'follow.subscribed':
    case 'follow.unsubscribed':
    case 'login.recorded':
    case 'oauth.authorized':
    case 'unionid.resolved':
    case 'authorization.revoked':
    case 'authorization.cancelled':
    case 'profile.modified':
      return [{ appid: event.data.appid, openid: event.data.openid }];
    case 'openid.converted':
      return [
        { appid: event.data.fromAppid, openid: event.data.fromOpenid },
        { appid: event.data.toAppid, openid: event.data.toOpenid },
      ];
    // A refused conversion says nothing about who the user is; the conversion job reports it.
    case 'openid.conversion_failed':
    case 'reconciliation.completed':
      return [];
    default:
      return [];
  }
}
