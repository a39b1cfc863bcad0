import type { EventSource } from '../../src/ledger/events.ts';
import type { FollowRow } from '../followState/followRow.ts';
import type { AccountRef, IdentityRow } from '../identityLinks/identityRow.ts';
import type { LinkedAccount } from '../identityLinks/linkedAccounts.ts';
import type { AccountKind } from '../projection.ts';

/** DESIGN.md §4 shapes. Fields may be added, never renamed. */
export type FollowView = {
  subscribed: boolean;
  subscribedAt: string | null;
  unsubscribedAt: string | null;
  scene: string | null;
  source: EventSource;
};

export type UserView = {
  appid: string;
  openid: string;
  kind: AccountKind | null;
  unionid: string | null;
  follow: FollowView | null;
  /** Other accounts of the same person (same unionid), itself excluded. */
  linked: LinkedAccount[];
  convertedTo: AccountRef | null;
  convertedFrom: AccountRef | null;
};

export type UnionidAccount = { appid: string; openid: string; kind: AccountKind | null; follow: FollowView | null };
export type UnionidView = { unionid: string; accounts: UnionidAccount[] };

export function followView(row: Pick<FollowRow, 'subscribed' | 'subscribedAt' | 'unsubscribedAt' | 'scene' | 'source'> | null | undefined): FollowView | null {
  if (!row) return null;
  return { subscribed: row.subscribed, subscribedAt: row.subscribedAt, unsubscribedAt: row.unsubscribedAt, scene: row.scene, source: row.source };
}

export function userView(
  identity: Pick<IdentityRow, 'appid' | 'openid' | 'kind' | 'unionid' | 'convertedTo' | 'convertedFrom'>,
  follow: FollowView | null,
  linked: readonly LinkedAccount[],
): UserView {
  return {
    appid: identity.appid,
    openid: identity.openid,
    kind: identity.kind,
    unionid: identity.unionid,
    follow,
    linked: linked
      .filter((a) => a.appid !== identity.appid || a.openid !== identity.openid)
      .map((a) => ({ appid: a.appid, openid: a.openid, kind: a.kind }))
      .sort(compareAccounts),
    convertedTo: identity.convertedTo ? { appid: identity.convertedTo.appid, openid: identity.convertedTo.openid } : null,
    convertedFrom: identity.convertedFrom ? { appid: identity.convertedFrom.appid, openid: identity.convertedFrom.openid } : null,
  };
}

/** By appid, then openid, as JavaScript compares strings (the order `linkedAccounts` uses). */
export function compareAccounts(a: { appid: string; openid: string }, b: { appid: string; openid: string }): number {
  return cmp(a.appid, b.appid) || cmp(a.openid, b.openid);
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
