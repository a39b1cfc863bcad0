import { sql } from 'kysely';
import { PREPARED } from '../../src/ledger/openStorage.ts';
import type { AccountKind } from '../projection.ts';
import { activeTableName } from '../store/activeTable.ts';
import { executeBatchStatement, lookUpInBatch, lookupValues } from '../store/lookupBatch.ts';
import type { Queryable } from '../store/projectionTable.ts';
import { FOLLOW_COLUMNS, followViewOf, type FollowColumns } from './followColumns.ts';
import { compareAccounts, type UnionidView } from './userView.ts';

type AccountSqlRow = FollowColumns & { n: number; appid: string; openid: string; kind: string | null };

/**
 * Every account linked to a unionid, with its follow state. Only rows whose own unionid it is:
 * a conflicting claim links no one. Null when no account has it (HTTP 404). Lookups that arrive
 * together go out as one statement (`lookUpInBatch`).
 */
export async function getUnionid(db: Queryable, unionid: string): Promise<UnionidView | null> {
  const [identity, follow] = await Promise.all([activeTableName(db, 'identity-links'), activeTableName(db, 'follow-state')]);
  const key = `getUnionid ${identity} ${follow}`;
  return lookUpInBatch(db, key, [unionid], (batch) => getUnionids(db, key, identity, follow, batch));
}

async function getUnionids(db: Queryable, key: string, identity: string, follow: string, batch: readonly (readonly unknown[])[]): Promise<(UnionidView | null)[]> {
  const { rows } = await executeBatchStatement(db, key, batch, (...unionids) => getUnionidQuery(identity, follow, unionids));
  const views: (UnionidView | null)[] = batch.map(() => null);
  for (const row of rows) {
    const account = { appid: row.appid, openid: row.openid, kind: row.kind as AccountKind | null, follow: followViewOf(row) };
    const view = views[row.n];
    if (view) view.accounts.push(account);
    else views[row.n] = { unionid: batch[row.n]![0] as string, accounts: [account] };
  }
  for (const view of views) view?.accounts.sort(compareAccounts);
  return views;
}

/** The statement for `unionids`, for tests that EXPLAIN it: the unionid index, then primary-key probes. */
export function getUnionidQuery(identity: string, follow: string, unionids: readonly unknown[]) {
  return sql<AccountSqlRow>`${sql.raw(PREPARED)}
    select q.n, i.appid, i.openid, i.kind, ${FOLLOW_COLUMNS}
    from ${lookupValues('q', ['unionid'], unionids)}
    join ${sql.table(identity)} i on i.unionid = q.unionid
    left join ${sql.table(follow)} f on f.appid = i.appid and f.openid = i.openid`;
}
