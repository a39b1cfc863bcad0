import { sql } from 'kysely';
import type { Db } from './database.ts';
import type { EventType, LedgerEvent } from './events.ts';
import { rowToEvent, type EventRow } from './rowToEvent.ts';

export type ReadFilter = {
  /** Exclusive: events with position > after. */
  after?: number;
  limit?: number;
  type?: EventType | EventType[];
  appid?: string;
  openid?: string;
  unionid?: string;
  /** Inclusive upper bound on position (a consistent snapshot for multi-page reads). */
  upTo?: number;
};

export const MAX_READ_LIMIT = 10_000;

/**
 * Events in position order. Each filter has an index that starts at (column, position), so a
 * page is an index range scan whatever the ledger's size. A conversion is found from both sides.
 */
export async function readEvents(db: Db, filter: ReadFilter = {}): Promise<LedgerEvent[]> {
  const limit = Math.min(Math.max(filter.limit ?? 1000, 1), MAX_READ_LIMIT);
  let query = db
    .selectFrom('events')
    .selectAll()
    .where('position', '>', filter.after ?? 0)
    .orderBy('position')
    .limit(limit);
  if (filter.upTo !== undefined) query = query.where('position', '<=', filter.upTo);
  if (filter.type !== undefined) {
    const types = Array.isArray(filter.type) ? filter.type : [filter.type];
    query = query.where('type', 'in', types);
  }
  if (filter.appid !== undefined) {
    const appid = filter.appid;
    query = query.where((eb) =>
      eb.or([eb('appid', '=', appid), eb.and([eb('type', '=', 'openid.converted'), eb(sql`data->>'toAppid'`, '=', appid)])]),
    );
  }
  if (filter.openid !== undefined) {
    const openid = filter.openid;
    query = query.where((eb) =>
      eb.or([eb('openid', '=', openid), eb.and([eb('type', '=', 'openid.converted'), eb(sql`data->>'toOpenid'`, '=', openid)])]),
    );
  }
  if (filter.unionid !== undefined) query = query.where('unionid', '=', filter.unionid);
  const rows = await query.execute();
  return (rows as EventRow[]).map(rowToEvent);
}

export async function headPosition(db: Db): Promise<number> {
  const row = await db.selectFrom('events').select('position').orderBy('position', 'desc').limit(1).executeTakeFirst();
  return row ? Number(row.position) : 0;
}

/** The events stored under these idempotency keys (a re-sent command answers with them). */
export async function readByIdempotencyKeys(db: Db, keys: string[]): Promise<LedgerEvent[]> {
  if (keys.length === 0) return [];
  const rows = await db.selectFrom('events').selectAll().where('idempotency_key', 'in', keys).orderBy('position').execute();
  return (rows as EventRow[]).map(rowToEvent);
}
