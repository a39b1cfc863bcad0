import { sql } from 'kysely';
import { isoTimeOrNull } from '../store/isoTime.ts';
import { activeTableName } from '../store/activeTable.ts';
import type { Queryable } from '../store/projectionTable.ts';

export type Follower = { openid: string; subscribedAt: string | null; scene: string | null; unionid: string | null };
export type FollowersPage = { followers: Follower[]; next: string | null };

export const MAX_FOLLOWERS_LIMIT = 10_000;

/** The opaque cursor is the last openid of a page: keyset paging, stable under concurrent writes. */
export const FollowersCursor = {
  encode: (openid: string): string => Buffer.from(openid, 'utf8').toString('base64url'),
  decode: (cursor: string): string => Buffer.from(cursor, 'base64url').toString('utf8'),
};

/**
 * Current followers of an account by openid, a range scan of the partial `where subscribed`
 * index from the cursor on, whatever the page number.
 */
export async function listFollowers(db: Queryable, appid: string, options: { cursor?: string | null; limit: number }): Promise<FollowersPage> {
  const limit = Math.min(Math.max(Math.trunc(options.limit) || 1, 1), MAX_FOLLOWERS_LIMIT);
  const after = options.cursor ? FollowersCursor.decode(options.cursor) : null;
  const [identity, follow] = await Promise.all([activeTableName(db, 'identity-links'), activeTableName(db, 'follow-state')]);
  const { rows } = await listFollowersQuery(identity, follow, appid, after, limit + 1).execute(db);
  const page = rows.slice(0, limit);
  return {
    followers: page.map((r) => ({ openid: r.openid, subscribedAt: isoTimeOrNull(r.subscribed_at), scene: r.scene, unionid: r.unionid })),
    next: rows.length > limit ? FollowersCursor.encode(page[page.length - 1]!.openid) : null,
  };
}

/** The statement, for tests that EXPLAIN it: a range of the partial `where subscribed` index. */
export function listFollowersQuery(identity: string, follow: string, appid: string, after: string | null, limit: number) {
  return sql<{ openid: string; subscribed_at: Date | string | null; scene: string | null; unionid: string | null }>`
    select f.openid, f.subscribed_at, f.scene, i.unionid
    from ${sql.table(follow)} f
    left join ${sql.table(identity)} i on i.appid = f.appid and i.openid = f.openid
    where f.appid = ${appid} and f.subscribed ${after === null ? sql`` : sql`and f.openid > ${after}`}
    order by f.openid
    limit ${limit}`;
}
