import type { Account } from '../../config/schema.ts';

export type MigrationSides =
  | {
      ok: true;
      /** The old account's appid: the ledger knows its openids under it. */
      oldAppid: string;
      /** What to send WeChat as `from_appid`, in order: as given first, then the other form if known. */
      fromCandidates: string[];
    }
  | { ok: false; code: string; message: string };

/**
 * Which account the openids come from. `from` may be the old appid or its `gh_` original id
 * (WeChat's documentation says appid, practitioners report the original id: both are tried).
 * The old account need not be configured any more, but a `gh_` id must be resolvable to an
 * appid, through a configured account or the new account's `migratedFrom`.
 */
export function resolveMigration(accounts: readonly Account[], to: Account, from: string): MigrationSides {
  const configured = accounts.find((account) => account.appid === from || account.originalId === from);
  let oldAppid: string | undefined = configured?.appid;
  if (!oldAppid && !from.startsWith('gh_')) oldAppid = from;
  if (!oldAppid && to.migratedFrom) oldAppid = to.migratedFrom.appid;
  if (!oldAppid) {
    return { ok: false, code: 'unknown_original_id', message: `${from} is not the original id of a configured account: pass the old account's appid` };
  }
  if (oldAppid === to.appid) return { ok: false, code: 'same_account', message: 'the old and the new account are the same' };
  if (to.migratedFrom && to.migratedFrom.appid !== oldAppid) {
    return {
      ok: false,
      code: 'migration_mismatch',
      message: `${to.appid} is configured as migrated from ${to.migratedFrom.appid}, not ${oldAppid}`,
    };
  }
  const originalId = configured?.originalId;
  const candidates = [from];
  if (from.startsWith('gh_') && oldAppid !== from) candidates.push(oldAppid);
  else if (originalId && originalId !== from) candidates.push(originalId);
  return { ok: true, oldAppid, fromCandidates: candidates };
}
