import { sql } from 'kysely';
import { activeTableName } from '../store/activeTable.ts';
import type { Queryable } from '../store/projectionTable.ts';

export type AccountStats = {
  appid: string;
  /** Follow rows of the account that follow now / that unfollowed. */
  followers: number;
  unfollowed: number;
  /** Identity rows of the account with / without a unionid (the backfill job's backlog). */
  withUnionid: number;
  withoutUnionid: number;
  /** Rows with a conflicting unionid claim, for a human to look at. */
  conflicts: number;
  /** Rows converted by an account migration, to or from this account. */
  converted: number;
};

/** Counts for one account in one statement; zeros for an account never seen. */
export async function getAccountStats(db: Queryable, appid: string): Promise<AccountStats> {
  const [identity, follow] = await Promise.all([activeTableName(db, 'identity-links'), activeTableName(db, 'follow-state')]);
  const { rows } = await sql<Record<Exclude<keyof AccountStats, 'appid'>, number | string>>`
    select f.followers, f.unfollowed, i.with_unionid as "withUnionid", i.without_unionid as "withoutUnionid",
           i.conflicts, i.converted
    from (select count(*) filter (where subscribed) as followers, count(*) filter (where not subscribed) as unfollowed
            from ${sql.table(follow)} where appid = ${appid}) f,
         (select count(unionid) as with_unionid, count(*) - count(unionid) as without_unionid,
                 count(*) filter (where jsonb_array_length(unionid_conflict) > 0) as conflicts,
                 count(*) filter (where converted_to_appid is not null or converted_from_appid is not null) as converted
            from ${sql.table(identity)} where appid = ${appid}) i`.execute(db);
  const row = rows[0]!;
  return {
    appid,
    followers: Number(row.followers),
    unfollowed: Number(row.unfollowed),
    withUnionid: Number(row.withUnionid),
    withoutUnionid: Number(row.withoutUnionid),
    conflicts: Number(row.conflicts),
    converted: Number(row.converted),
  };
}
