import { sql } from 'kysely';
import type { Db } from './database.ts';
import type { EventType, LedgerEvent } from './events.ts';
import type { Pseudonyms } from './keys/pseudonyms.ts';
import type { SubjectKeys } from './keys/subjectKeys.ts';
import { openEvent, type EventRow } from './openEvent.ts';

export type ReadFilter = {
  /** Exclusive: events with position > after. */
  after?: number;
  limit?: number;
  type?: EventType | EventType[];
  appid?: string;
  /** With `appid`, that account's user; without, that openid in any account the ledger holds. */
  openid?: string;
  unionid?: string;
  /** Inclusive upper bound on position (a consistent snapshot for multi-page reads). */
  upTo?: number;
};

export const MAX_READ_LIMIT = 10_000;

export type ReadContext = { db: Db; pseudonyms: Pseudonyms; subjectKeys: SubjectKeys };

/**
 * Events in position order, opened (personal fields unsealed, or redacted when erased). Each
 * filter has an index that starts at (column, position), so a page is an index range scan
 * whatever the ledger's size. Personal values are looked up by their pseudonyms. A conversion
 * is found from both sides.
 */
export async function readEvents(ctx: ReadContext, filter: ReadFilter = {}): Promise<LedgerEvent[]> {
  const limit = Math.min(Math.max(filter.limit ?? 1000, 1), MAX_READ_LIMIT);
  let query = ctx.db
    .selectFrom('events as e')
    .leftJoin('subject_keys as k', 'k.id', 'e.subject_key')
    .selectAll('e')
    .select(['k.kid as key_kid', 'k.wrapped as key_wrapped'])
    .where('e.position', '>', filter.after ?? 0)
    .orderBy('e.position')
    .limit(limit);
  if (filter.upTo !== undefined) query = query.where('e.position', '<=', filter.upTo);
  if (filter.type !== undefined) {
    const types = Array.isArray(filter.type) ? filter.type : [filter.type];
    query = query.where('e.type', 'in', types);
  }
  if (filter.appid !== undefined) {
    const appid = filter.appid;
    query = query.where((eb) =>
      eb.or([eb('e.appid', '=', appid), eb.and([eb('e.type', '=', 'openid.converted'), eb(sql`e.data->>'toAppid'`, '=', appid)])]),
    );
  }
  if (filter.openid !== undefined) {
    const openid = filter.openid;
    // A pseudonym names an (appid, openid) pair: without an appid, one per account in the ledger.
    const appids = filter.appid !== undefined ? [filter.appid] : await ledgerAppids(ctx.db);
    const subjects = appids.map((appid) => ctx.pseudonyms.subject(appid, openid));
    if (subjects.length === 0) return [];
    query = query.where((eb) => eb.or([eb('e.subject', 'in', subjects), eb('e.related', 'in', subjects)]));
  }
  if (filter.unionid !== undefined) query = query.where('e.unionid', '=', ctx.pseudonyms.unionid(filter.unionid));
  // Asked by a personal identifier, only what still opens: an erased person's redacted history
  // (and the identity.erased that closed it) is not findable by their openid or unionid, or
  // the pseudonym would let anyone holding the identifier confirm the relationship and its
  // times after the erasure. Unfiltered and per-appid reads still show it, redacted.
  if (filter.openid !== undefined || filter.unionid !== undefined) query = query.where('k.id', 'is not', null);
  const rows = await query.execute();
  return (rows as EventRow[]).map((row) => openEvent(row, ctx.subjectKeys));
}

/** Every appid the ledger holds events of: a skip scan of the (appid, position) index, one probe per appid. */
async function ledgerAppids(db: Db): Promise<string[]> {
  const { rows } = await sql<{ appid: string }>`
    with recursive a(appid) as (
      select min(appid) from events
      union all
      select (select min(e.appid) from events e where e.appid > a.appid) from a where a.appid is not null
    )
    select appid from a where appid is not null`.execute(db);
  return rows.map((row) => row.appid);
}

/**
 * The page after `after` for the ledger's consumer (ledger/consumer/): every event, opened, and
 * the erasure epoch read in the same statement — so in the same snapshot as the keys that
 * opened them. A projection write folded from this page is conditional on that epoch
 * (ProjectionVersions.advanceQuery): an erasure committed since makes it fold the page again.
 */
export async function readLedgerPage(ctx: ReadContext, after: number, limit: number): Promise<LedgerEvent[] & { erasureEpoch?: number }> {
  const rows = await ctx.db
    .selectFrom('events as e')
    .leftJoin('subject_keys as k', 'k.id', 'e.subject_key')
    .selectAll('e')
    .select(['k.kid as key_kid', 'k.wrapped as key_wrapped', sql<number | string>`(select epoch from erasure_epoch)`.as('erasure_epoch')])
    .where('e.position', '>', after)
    .orderBy('e.position')
    .limit(Math.min(Math.max(limit, 1), MAX_READ_LIMIT))
    .execute();
  const events: LedgerEvent[] & { erasureEpoch?: number } = (rows as EventRow[]).map((row) => openEvent(row, ctx.subjectKeys));
  if (rows[0]) events.erasureEpoch = Number(rows[0].erasure_epoch);
  return events;
}

export async function headPosition(db: Db): Promise<number> {
  const row = await db.selectFrom('events').select('position').orderBy('position', 'desc').limit(1).executeTakeFirst();
  return row ? Number(row.position) : 0;
}

/** The events stored under these idempotency keys (a re-sent command answers with them). */
export async function readByIdempotencyKeys(ctx: ReadContext, keys: readonly string[]): Promise<LedgerEvent[]> {
  if (keys.length === 0) return [];
  const rows = await ctx.db
    .selectFrom('events as e')
    .leftJoin('subject_keys as k', 'k.id', 'e.subject_key')
    .selectAll('e')
    .select(['k.kid as key_kid', 'k.wrapped as key_wrapped'])
    .where('e.idempotency_key', 'in', keys.map((key) => ctx.pseudonyms.idempotencyKey(key)))
    .orderBy('e.position')
    .execute();
  return (rows as EventRow[]).map((row) => openEvent(row, ctx.subjectKeys));
}
