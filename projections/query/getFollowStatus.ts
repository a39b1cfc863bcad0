import { sql } from 'kysely';
import { PREPARED } from '../../src/ledger/openStorage.ts';
import { activeTableName } from '../store/activeTable.ts';
import { executeBatchStatement, lookUpInBatch, lookupValues } from '../store/lookupBatch.ts';
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
  const by = 'unionid' in query ? 'unionid' : 'via';
  const args = 'unionid' in query ? [query.appid, query.unionid] : [query.appid, query.viaAppid, query.viaOpenid];
  const key = `getFollowStatus ${by} ${identity} ${follow}`;
  return lookUpInBatch(db, key, args, (batch) => getFollowStatuses(db, key, identity, follow, by, batch));
}

async function getFollowStatuses(db: Queryable, key: string, identity: string, follow: string, by: 'unionid' | 'via', batch: readonly (readonly unknown[])[]): Promise<FollowStatus[]> {
  const { rows } = await executeBatchStatement(db, key, batch, (...keys) => getFollowStatusQuery(identity, follow, by, keys));
  const statuses: FollowStatus[] = batch.map(() => ({ subscribed: false, openid: null }));
  for (const row of rows) statuses[row.n] = { subscribed: row.subscribed, openid: row.openid };
  return statuses;
}

/**
 * The statement for `keys` (appid, unionid, … — or appid, viaAppid, viaOpenid, … when `by` is
 * `via`), for tests that EXPLAIN it: per key, the OA's rows with the unionid (the unionid index;
 * for `via`, the mini program user's row by primary key first), a follower first.
 */
export function getFollowStatusQuery(identity: string, follow: string, by: 'unionid' | 'via', keys: readonly unknown[]) {
  const unionid = by === 'unionid' ? sql`q.unionid` : sql`(select v.unionid from ${sql.table(identity)} v where v.appid = q.via_appid and v.openid = q.via_openid)`;
  const columns = by === 'unionid' ? ['appid', 'unionid'] : ['appid', 'via_appid', 'via_openid'];
  return sql<{ n: number; openid: string; subscribed: boolean }>`${sql.raw(PREPARED)}
    select q.n, s.openid, s.subscribed
    from ${lookupValues('q', columns, keys)}
    cross join lateral (
      select i.openid, coalesce(f.subscribed, false) as subscribed
      from ${sql.table(identity)} i
      left join ${sql.table(follow)} f on f.appid = i.appid and f.openid = i.openid
      where i.unionid = ${unionid} and i.appid = q.appid
      order by coalesce(f.subscribed, false) desc, i.last_position desc
      limit 1) s`;
}
