import type { AccountKind } from '../projection.ts';

export type AccountRef = { readonly appid: string; readonly openid: string };

/** One `(appid, openid)` as the identity-links projection knows it. */
export type IdentityRow = {
  readonly appid: string;
  readonly openid: string;
  readonly kind: AccountKind | null;
  /** The first unionid learned for this key, by ledger position. */
  readonly unionid: string | null;
  /** Other unionids claimed later for this key: flagged for a human, never silently overwriting. */
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
    a.unionidConflict.length === b.unionidConflict.length &&
    a.unionidConflict.every((u, i) => u === b.unionidConflict[i]) &&
    sameRef(a.convertedTo, b.convertedTo) &&
    sameRef(a.convertedFrom, b.convertedFrom) &&
    a.firstSeenAt === b.firstSeenAt &&
    a.lastSeenAt === b.lastSeenAt &&
    a.lastPosition === b.lastPosition
  );
}
