import { sql } from 'kysely';
import { PREPARED } from '../../src/ledger/openStorage.ts';
import type { AccountKind } from '../projection.ts';
import { activeTableName } from '../store/activeTable.ts';
import { executeCompiledOnce } from '../store/compiledOnce.ts';
import type { Queryable } from '../store/projectionTable.ts';
import { FOLLOW_COLUMNS, followViewOf, type FollowColumns } from './followColumns.ts';
import { compareAccounts, type UnionidView } from './userView.ts';

type AccountSqlRow = FollowColumns & { appid: string; openid: string; kind: string | null };

/**
 * Every account linked to a unionid, with its follow state. Only rows whose own unionid it is:
 * a conflicting claim links no one. Null when no account has it (HTTP 404).
 */
export async function getUnionid(db: Queryable, unionid: string): Promise<UnionidView | null> {
  const [identity, follow] = await Promise.all([activeTableName(db, 'identity-links'), activeTableName(db, 'follow-state')]);
  const { rows } = await executeCompiledOnce(db, `getUnionid ${identity} ${follow}`, (u) => getUnionidQuery(identity, follow, u as string), [unionid]);
  if (rows.length === 0) return null;
  const accounts = rows
    .map((row) => ({ appid: row.appid, openid: row.openid, kind: row.kind as AccountKind | null, follow: followViewOf(row) }))
    .sort(compareAccounts);
  return { unionid, accounts };
}

/** The statement, for tests that EXPLAIN it: the unionid index, then primary-key probes. */
export function getUnionidQuery(identity: string, follow: string, unionid: string) {
  return sql<AccountSqlRow>`${sql.raw(PREPARED)}
    select i.appid, i.openid, i.kind, ${FOLLOW_COLUMNS}
    from ${sql.table(identity)} i
    left join ${sql.table(follow)} f on f.appid = i.appid and f.openid = i.openid
    where i.unionid = ${unionid}`;
}
