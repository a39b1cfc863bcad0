import type { AccountKind } from '../projection.ts';

export type AccountRef = { readonly appid: string; readonly openid: string };

/** One `(appid, openid)` as the identity-links projection knows it. */
export type IdentityRow = {
  readonly appid: string;
  readonly openid: string;
  readonly kind: AccountKind | null;
  /**
   * The unionid of this key: the first WeChat itself said (code2Session, decrypted data,
   * user/info, batchget, OAuth), by ledger position; failing that, the first an app reported.
   */
  readonly unionid: string | null;
  /** The unionid rests only on an app's report (`POST /v1/logins`): WeChat's word replaces it. */
  readonly unionidReported: boolean;
  /** Other unionids claimed for this key: flagged for a human, never silently overwriting. */
  readonly unionidConflict: readonly string[];
  readonly convertedTo: AccountRef | null;
  readonly convertedFrom: AccountRef | null;
  /** Earliest and latest event time of any event about this key (ISO strings as recorded). */
  readonly firstSeenAt: string;
  readonly lastSeenAt: string;
  /** Highest ledger position folded into this row. */
  readonly lastPosition: number;
};

const sameRef = (a: AccountRef | null, b: AccountRef | null): boolean =>
  a === b || (a !== null && b !== null && a.appid === b.appid && a.openid === b.openid);

/** Lets `evolve` keep the old object when an event changes nothing, so replays upsert nothing. */
export function sameIdentityRow(a: IdentityRow, b: IdentityRow): boolean {
  return (
    a.appid === b.appid &&
    a.openid === b.openid &&
    a.kind === b.kind &&
    a.unionid === b.unionid &&
    a.unionidReported === b.unionidReported &&
    a.unionidConflict.length === b.unionidConflict.length &&
    a.unionidConflict.every((u, i) => u === b.unionidConflict[i]) &&
    sameRef(a.convertedTo, b.convertedTo) &&
    sameRef(a.convertedFrom, b.convertedFrom) &&
    a.firstSeenAt === b.firstSeenAt &&
    a.lastSeenAt === b.lastSeenAt &&
    a.lastPosition === b.lastPosition
  );
}
