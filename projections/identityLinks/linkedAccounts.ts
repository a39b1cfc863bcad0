import type { AccountKind } from '../projection.ts';
import type { IdentityRow } from './identityRow.ts';

export type LinkedAccount = { appid: string; openid: string; kind: AccountKind | null };

/**
 * Links are a query, not stored per row: a key learning its unionid links it to every other key
 * with that unionid at once, whichever arrived first (the "pending links" of DESIGN.md §1).
 * Only a row's own unionid counts: a conflicting claim is not trusted to link anyone.
 */
export function linkedAccounts(
  rows: ReadonlyMap<string, IdentityRow> | Iterable<IdentityRow>,
  unionid: string,
): LinkedAccount[] {
  const all = rows instanceof Map ? rows.values() : (rows as Iterable<IdentityRow>);
  const linked: LinkedAccount[] = [];
  for (const row of all) {
    if (row.unionid === unionid) linked.push({ appid: row.appid, openid: row.openid, kind: row.kind });
  }
  return linked.sort((a, b) => cmp(a.appid, b.appid) || cmp(a.openid, b.openid));
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
