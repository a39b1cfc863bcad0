import { sql, type RawBuilder } from 'kysely';
import { activeTableName } from '../store/activeTable.ts';
import type { Queryable } from '../store/projectionTable.ts';

/**
 * What the jobs read of the projections, as subqueries for their set-based SQL (a million
 * openids never cross into JavaScript). These relations are the projections' contract with the
 * jobs; which table holds them (versioned, blue/green) and how its columns are laid out is not.
 * Each is read from the active version at the time of the call, in the caller's transaction.
 */
export const ProjectionsForJobs = {
  /** Throws ProjectionUnavailableError until both projections have an active version (a fresh database). */
  async ready(db: Queryable): Promise<void> {
    await Promise.all([activeTableName(db, 'identity-links'), activeTableName(db, 'follow-state')]);
  },

  /** `(openid)`: every openid of the account the identity links know. */
  async knownOpenids(db: Queryable, appid: string): Promise<RawBuilder<{ openid: string }>> {
    return sql`select openid from ${sql.table(await activeTableName(db, 'identity-links'))} where appid = ${appid}`;
  },

  /** `(openid)`: the account's openids the identity links know without a unionid (the index `…_pending_unionid`). */
  async openidsWithoutUnionid(db: Queryable, appid: string): Promise<RawBuilder<{ openid: string }>> {
    return sql`select openid from ${sql.table(await activeTableName(db, 'identity-links'))} where appid = ${appid} and unionid is null`;
  },

  /** `(openid)`: the account's openids the identity links show converted to `toAppid` already. */
  async convertedOpenids(db: Queryable, appid: string, toAppid: string): Promise<RawBuilder<{ openid: string }>> {
    return sql`select openid from ${sql.table(await activeTableName(db, 'identity-links'))} where appid = ${appid} and converted_to_appid = ${toAppid}`;
  },

  /** `(openid)`: the account's current followers. */
  async followers(db: Queryable, appid: string): Promise<RawBuilder<{ openid: string }>> {
    return sql`select openid from ${sql.table(await activeTableName(db, 'follow-state'))} where appid = ${appid} and subscribed`;
  },

  /** `(openid, subscribed, decided_at)`: the account's follow state, with when (event time) each row was decided. */
  async followState(db: Queryable, appid: string): Promise<RawBuilder<{ openid: string; subscribed: boolean; decided_at: Date }>> {
    return sql`select openid, subscribed, decided_at from ${sql.table(await activeTableName(db, 'follow-state'))} where appid = ${appid}`;
  },
};
