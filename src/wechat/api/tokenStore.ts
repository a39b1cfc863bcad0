import { sql, type Kysely } from 'kysely';
import type { Database, Db } from '../../ledger/database.ts';
import { lockKey } from '../../ledger/openStorage.ts';

export type StoredToken = { token: string; expiresAt: Date };

/**
 * Where the access token of each appid lives, shared by every instance: a token fetched by one
 * process is used by all, so they cannot knock each other's token out.
 */
export interface TokenStore {
  get(appid: string): Promise<StoredToken | null>;
  put(appid: string, token: string, expiresAt: Date): Promise<void>;
  /** Compare-and-expire: forgets the stored token only if it is `token`; true when it did. */
  expireIf(appid: string, token: string): Promise<boolean>;
  /**
   * Runs `refresh` while holding a lock that excludes every other refresher of `appid`, in this
   * process and in others; the store handed to `refresh` reads and writes under that lock, so a
   * refresher that waited sees the token the previous holder stored and does not fetch again.
   */
  withRefreshLock<T>(appid: string, refresh: (store: TokenStore) => Promise<T>): Promise<T>;
}

/** Serialises `refresh` calls per appid within this process. */
function processLock() {
  const locks = new Map<string, Promise<unknown>>();
  return <T>(appid: string, refresh: () => Promise<T>): Promise<T> => {
    const turn = (locks.get(appid) ?? Promise.resolve()).then(refresh);
    locks.set(appid, turn.catch(() => {}));
    return turn;
  };
}

/** For unit tests and single-process tools: a Map and an in-process lock per appid. */
export function createMemoryTokenStore(): TokenStore {
  const tokens = new Map<string, StoredToken>();
  const lock = processLock();
  const store: TokenStore = {
    async get(appid) {
      return tokens.get(appid) ?? null;
    },
    async put(appid, token, expiresAt) {
      tokens.set(appid, { token, expiresAt });
    },
    async expireIf(appid, token) {
      if (tokens.get(appid)?.token !== token) return false;
      tokens.delete(appid);
      return true;
    },
    withRefreshLock: (appid, refresh) => lock(appid, () => refresh(store)),
  };
  return store;
}

// Two-key advisory locks: the first key keeps these apart from the ledger's own locks.
const LOCK_NAMESPACE = lockKey('wechat_access_tokens');

/**
 * The `wechat_access_tokens` table (migrations/0002_wechat_state.ts). `crossProcess` (default)
 * takes a PostgreSQL advisory lock for refreshes; pass `false` for PGlite, which one process owns
 * anyway and whose single connection a transaction held during the token fetch would block.
 */
export function createDatabaseTokenStore(db: Db, options: { crossProcess?: boolean } = {}): TokenStore {
  const lock = options.crossProcess === false ? processLock() : null;
  const on = (executor: Kysely<Database>, locked: boolean): TokenStore => {
    const store: TokenStore = {
      async get(appid) {
        const row = await executor
          .selectFrom('wechat_access_tokens')
          .select(['access_token', 'expires_at'])
          .where('appid', '=', appid)
          .executeTakeFirst();
        return row ? { token: row.access_token, expiresAt: new Date(row.expires_at) } : null;
      },
      async put(appid, token, expiresAt) {
        await executor
          .insertInto('wechat_access_tokens')
          .values({ appid, access_token: token, expires_at: expiresAt, fetched_at: new Date() })
          .onConflict((conflict) =>
            conflict.column('appid').doUpdateSet({ access_token: token, expires_at: expiresAt, fetched_at: new Date() }),
          )
          .execute();
      },
      async expireIf(appid, token) {
        const result = await executor
          .deleteFrom('wechat_access_tokens')
          .where('appid', '=', appid)
          .where('access_token', '=', token)
          .executeTakeFirst();
        return Number(result.numDeletedRows) > 0;
      },
      withRefreshLock(appid, refresh) {
        if (locked) return refresh(store);
        if (lock) return lock(appid, () => refresh(on(executor, true)));
        // A transaction-scoped advisory lock also works when no row exists yet (a cold start),
        // which `select … for update` cannot; it is released by the commit that stores the token.
        return executor.transaction().execute(async (tx) => {
          await sql`select pg_advisory_xact_lock(${LOCK_NAMESPACE}::int4, ${lockKey(appid)}::int4)`.execute(tx);
          return refresh(on(tx, true));
        });
      },
    };
    return store;
  };
  return on(db, false);
}
