import type { Projection } from '../projection.ts';
import { evolve, foldAll } from './evolve.ts';
import type { IdentityRow } from './identityRow.ts';
import { keysOf } from './keysOf.ts';

export type { IdentityRow, AccountRef } from './identityRow.ts';
export { linkedAccounts, type LinkedAccount } from './linkedAccounts.ts';

export const identityLinks: Projection<IdentityRow> = {
  name: 'identity-links',
  // 2: claims ranked by source (WeChat-verified over reported), and the unionid_reported column.
  codeVersion: 2,
  keysOf,
  evolve,
  foldAll,
};
