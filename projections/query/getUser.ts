import { sql } from 'kysely';
import { PREPARED } from '../../src/ledger/openStorage.ts';
import type { LinkedAccount } from '../identityLinks/linkedAccounts.ts';
import type { AccountKind } from '../projection.ts';
import { activeTableName } from '../store/activeTable.ts';
import { executeCompiledOnce } from '../store/compiledOnce.ts';
import type { Queryable } from '../store/projectionTable.ts';
import { FOLLOW_COLUMNS, followViewOf, type FollowColumns } from './followColumns.ts';
import { userView, type UserView } from './userView.ts';

type UserSqlRow = FollowColumns & {
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
 * One user as the projections know it now, in one round trip (primary-key lookups plus the
 * unionid index for linked accounts). Null when the openid was never seen (HTTP 404).
 */
export async function getUser(db: Queryable, appid: string, openid: string): Promise<UserView | null> {
  const [identity, follow] = await Promise.all([activeTableName(db, 'identity-links'), activeTableName(db, 'follow-state')]);
  const { rows } = await executeCompiledOnce(db, `getUser ${identity} ${follow}`, (a, o) => getUserQuery(identity, follow, a as string, o as string), [appid, openid]);
  const row = rows[0];
  if (!row) return null;
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

/** The statement, for tests that EXPLAIN it: primary-key probes, the unionid index for links. */
export function getUserQuery(identity: string, follow: string, appid: string, openid: string) {
  return sql<UserSqlRow>`${sql.raw(PREPARED)}
    select i.appid, i.openid, i.kind, i.unionid, i.converted_to_appid, i.converted_to_openid,
           i.converted_from_appid, i.converted_from_openid, ${FOLLOW_COLUMNS},
           (select coalesce(json_agg(json_build_object('appid', l.appid, 'openid', l.openid, 'kind', l.kind)), '[]'::json)
              from ${sql.table(identity)} l
             where l.unionid = i.unionid and not (l.appid = i.appid and l.openid = i.openid)) as linked
    from ${sql.table(identity)} i
    left join ${sql.table(follow)} f on f.appid = i.appid and f.openid = i.openid
    where i.appid = ${appid} and i.openid = ${openid}`;
}
