import { sql } from 'kysely';
import { PREPARED } from '../../src/ledger/openStorage.ts';
import type { LinkedAccount } from '../identityLinks/linkedAccounts.ts';
import type { AccountKind } from '../projection.ts';
import { activeTableName } from '../store/activeTable.ts';
import { executeBatchStatement, lookUpInBatch, lookupValues } from '../store/lookupBatch.ts';
import type { Queryable } from '../store/projectionTable.ts';
import { FOLLOW_COLUMNS, followViewOf, type FollowColumns } from './followColumns.ts';
import { userView, type UserView } from './userView.ts';

type UserSqlRow = FollowColumns & {
  /** The lookup's place in its batch. */
  n: number;
  appid: string;
  openid: string;
  kind: string | null;
  unionid: string | null;
  converted_to_appid: string | null;
  converted_to_openid: string | null;
  converted_from_appid: string | null;
  converted_from_openid: string | null;
  linked: LinkedAccount[] | string;
};

/**
 * One user as the projections know it now. Null when the openid was never seen (HTTP 404).
 * Lookups that arrive together go out as one statement (`lookUpInBatch`): primary-key probes
 * plus the unionid index for linked accounts, one round trip for the batch.
 */
export async function getUser(db: Queryable, appid: string, openid: string): Promise<UserView | null> {
  const [identity, follow] = await Promise.all([activeTableName(db, 'identity-links'), activeTableName(db, 'follow-state')]);
  const key = `getUser ${identity} ${follow}`;
  return lookUpInBatch(db, key, [appid, openid], (batch) => getUsers(db, key, identity, follow, batch));
}

async function getUsers(db: Queryable, key: string, identity: string, follow: string, batch: readonly (readonly unknown[])[]): Promise<(UserView | null)[]> {
  const { rows } = await executeBatchStatement(db, key, batch, (...keys) => getUserQuery(identity, follow, keys));
  const users: (UserView | null)[] = batch.map(() => null);
  for (const row of rows) users[row.n] = userOf(row);
  return users;
}

function userOf(row: UserSqlRow): UserView {
  const linked = typeof row.linked === 'string' ? (JSON.parse(row.linked) as LinkedAccount[]) : row.linked;
  return userView(
    {
      appid: row.appid,
      openid: row.openid,
      kind: row.kind as AccountKind | null,
      unionid: row.unionid,
      convertedTo: row.converted_to_appid && row.converted_to_openid ? { appid: row.converted_to_appid, openid: row.converted_to_openid } : null,
      convertedFrom:
        row.converted_from_appid && row.converted_from_openid ? { appid: row.converted_from_appid, openid: row.converted_from_openid } : null,
    },
    followViewOf(row),
    linked,
  );
}

/**
 * The statement for `keys` (appid, openid, appid, openid, …), for tests that EXPLAIN it:
 * primary-key probes on both tables per key, the unionid index for linked accounts.
 */
export function getUserQuery(identity: string, follow: string, keys: readonly unknown[]) {
  return sql<UserSqlRow>`${sql.raw(PREPARED)}
    select q.n, i.appid, i.openid, i.kind, i.unionid, i.converted_to_appid, i.converted_to_openid,
           i.converted_from_appid, i.converted_from_openid, ${FOLLOW_COLUMNS},
           (select coalesce(json_agg(json_build_object('appid', l.appid, 'openid', l.openid, 'kind', l.kind)), '[]'::json)
              from ${sql.table(identity)} l
             where l.unionid = i.unionid and not (l.appid = i.appid and l.openid = i.openid)) as linked
    from ${lookupValues('q', ['appid', 'openid'], keys)}
    join ${sql.table(identity)} i on i.appid = q.appid and i.openid = q.openid
    left join ${sql.table(follow)} f on f.appid = i.appid and f.openid = i.openid`;
}
