import type { LedgerEvent } from '../../src/ledger/events.ts';
import type { Key } from '../key.ts';

/** A conversion reads the old key (to inherit from) and writes the new one. */
export function keysOf(event: LedgerEvent): Key[] {
  if (event.erased) return [];
  switch (event.type) {
    case 'follow.subscribed':
    case 'follow.unsubscribed':
      return [{ appid: event.data.appid, openid: event.data.openid }];
    case 'openid.converted':
      return [
        { appid: event.data.fromAppid, openid: event.data.fromOpenid },
        { appid: event.data.toAppid, openid: event.data.toOpenid },
      ];
    default:
      return [];
  }
}
