import type { LedgerEvent, UnionidVia } from '../../src/ledger/events.ts';
import type { AccountKind } from '../projection.ts';

// `report` is a login an app verified itself: it may come from any kind of account.
const KIND_BY_VIA: Record<UnionidVia, AccountKind | undefined> = {
  code2session: 'mp',
  decrypt: 'mp',
  user_info: 'oa',
  batchget: 'oa',
  oauth: 'web',
  report: undefined,
};

/** The account kind an event implies, for appids the configuration no longer (or never) named. */
export function inferKind(event: LedgerEvent): AccountKind | undefined {
  switch (event.type) {
    case 'follow.subscribed':
    case 'follow.unsubscribed':
      return 'oa';
    case 'login.recorded':
    case 'authorization.revoked':
      return 'mp';
    case 'oauth.authorized':
      return 'web';
    case 'unionid.resolved':
      return KIND_BY_VIA[event.data.via];
    default:
      return undefined;
  }
}
