import { sql } from 'kysely';
import { PREPARED } from '../../src/ledger/openStorage.ts';
import { activeTableName } from '../store/activeTable.ts';
import { executeCompiledOnce } from '../store/compiledOnce.ts';
import type { Queryable } from '../store/projectionTable.ts';

export type FollowStatusQuery = { appid: string; unionid: string } | { appid: string; viaAppid: string; viaOpenid: string };
export type FollowStatus = { subscribed: boolean; openid: string | null };

/**
 * "Does this MP user follow our OA?": the unionid (given, or that of the MP user), then the OA's
 * row with that unionid, then its follow state. `{subscribed: false, openid: null}` when the OA
 * knows no one with that unionid; `openid` set but not subscribed when it knows them but they do
 * not (or no longer) follow. Should the OA hold two rows with one unionid, a follower wins.
 */
export async function getFollowStatus(db: Queryable, query: FollowStatusQuery): Promise<FollowStatus> {
  const [identity, follow] = await Promise.all([activeTableName(db, 'identity-links'), activeTableName(db, 'follow-state')]);
  const { rows } =
    'unionid' in query
      ? await executeCompiledOnce(db, `getFollowStatus unionid ${identity} ${follow}`, (appid, unionid) => getFollowStatusQuery(identity, follow, { appid: appid as string, unionid: unionid as string }), [
          query.appid,
          query.unionid,
        ])
      : await executeCompiledOnce(
          db,
          `getFollowStatus via ${identity} ${follow}`,
          (appid, viaAppid, viaOpenid) => getFollowStatusQuery(identity, follow, { appid: appid as string, viaAppid: viaAppid as string, viaOpenid: viaOpenid as string }),
          [query.appid, query.viaAppid, query.viaOpenid],
        );
  const row = rows[0];
  return row ? { subscribed: row.subscribed, openid: row.openid } : { subscribed: false, openid: null };
}

/** The statement: the OA's rows with the unionid (the unionid index), a follower first. */
export function getFollowStatusQuery(identity: string, follow: string, query: FollowStatusQuery) {
  const unionid =
    'unionid' in query
      ? sql`${query.unionid}::text`
      : sql`(select v.unionid from ${sql.table(identity)} v where v.appid = ${query.viaAppid} and v.openid = ${query.viaOpenid})`;
  return sql<{ openid: string; subscribed: boolean }>`${sql.raw(PREPARED)}
    select i.openid, coalesce(f.subscribed, false) as subscribed
    from ${sql.table(identity)} i
    left join ${sql.table(follow)} f on f.appid = i.appid and f.openid = i.openid
    where i.unionid = ${unionid} and i.appid = ${query.appid}
    order by coalesce(f.subscribed, false) desc, i.last_position desc
    limit 1`;
}
