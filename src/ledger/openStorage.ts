import { mkdirSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import { createHash } from 'node:crypto';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database, Db } from './database.ts';
import { lockDataDir, type DataDirLock } from './lockDataDir.ts';
import { initPgliteDir } from './initPgliteDir.ts';
import { readTemplate } from './pgliteTemplate.ts';
import { watchStalledConnections } from './watchStalledConnections.ts';

// int8 (positions, counts) as JS numbers: positions stay far below 2^53.
pg.types.setTypeParser(20, (value) => Number(value));

export type StorageKind = 'postgres' | 'pglite';

/**
 * One database, either PostgreSQL (production, many processes) or PGlite (the embedded default,
 * one process). Everything above this module talks to `db`; the two differences that matter —
 * cross-process notifications and session-scoped locks — are behind `listen` and `tryLock`.
 */
export type Storage = {
  kind: StorageKind;
  db: Db;
  /** Calls `onNotify` when another transaction commits a NOTIFY on `channel` (any process). */
  /**
   * `onReconnect` runs each time the session is back after losing its connection: notifications
   * sent meanwhile are lost, so a listener should look for itself (and the database may even have
   * moved backwards — a failover or a restore).
   */
  listen(channel: string, onNotify: (payload: string) => void, onReconnect?: () => void): Promise<() => Promise<void>>;
  /** In-process signal, for subscribers in this process (cheaper than a round trip). */
  local: EventEmitter;
  /**
   * Holds a session-level advisory lock on a dedicated connection until `release` or the
   * process dies (PostgreSQL releases it with the session). Null when another session has it.
   */
  tryLock(key: string): Promise<LockHandle | null>;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
};

export type LockHandle = {
  release(): Promise<void>;
  /** False once the session holding the lock is gone (the database restarted): stop leading. */
  readonly held: boolean;
};

/**
 * How long PostgreSQL may keep a caller waiting (milliseconds; 0 = no limit). Defaults suit a
 * webhook that must answer WeChat within 5 s: a push meets 503 within about 2 s when the
 * database cannot be reached, is frozen, or holds a lock too long.
 */
export type PostgresTimeouts = {
  /** Getting a pooled connection, including opening a new one (pg's connectionTimeoutMillis). */
  connectTimeoutMs: number;
  /**
   * A connection checked out this long has the server probed (`select 1`, answered within this
   * too); if the probe fails and the connection is still out, every connection is dropped.
   */
  stallTimeoutMs: number;
  /** `statement_timeout`: a runaway statement on a running server. */
  statementTimeoutMs: number;
  /** `lock_timeout`: a lock (the ledger's append lock, a row) held by a session that does not move. */
  lockTimeoutMs: number;
  /** `idle_in_transaction_session_timeout`: a client that stopped mid-transaction gives its locks back. */
  idleInTransactionTimeoutMs: number;
};

export const DEFAULT_POSTGRES_TIMEOUTS: PostgresTimeouts = {
  connectTimeoutMs: 2000,
  stallTimeoutMs: 1000,
  statementTimeoutMs: 60_000,
  lockTimeoutMs: 5000,
  idleInTransactionTimeoutMs: 30_000,
};

export type OpenOptions = { databaseUrl: string | null; dataDir?: string; poolSize?: number; postgres?: Partial<PostgresTimeouts> };

/** A stable 32-bit key for advisory locks from a name. */
export function lockKey(name: string): number {
  let hash = 2166136261;
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i);
    hash = Math.imul(hash, 16777619);
  }
  return hash | 0;
}

/**
 * Marks a hot statement (the append call, the query API's lookups): on PostgreSQL it runs as a
 * named prepared statement, parsed (and, once PostgreSQL settles on a generic plan, planned) once
 * per connection instead of once per call. A comment, so PGlite and any other reader of the text
 * just skip it; the statement's name is derived from its text, so a new projection table (after
 * a rebuild) is a new statement.
 */
export const PREPARED = '/* prepared */ ';

const statementNames = new Map<string, string>();

function namePreparedStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (config: unknown, values?: unknown, callback?: unknown) => {
    if (typeof config !== 'string' || !config.startsWith(PREPARED) || typeof values === 'function') return query(config, values, callback);
    let name = statementNames.get(config);
    if (!name) {
      name = `s${createHash('sha1').update(config).digest('base64url').slice(0, 22)}`;
      if (statementNames.size < 10_000) statementNames.set(config, name);
    }
    return query({ name, text: config, values }, callback);
  };
}

export async function openStorage(options: OpenOptions): Promise<Storage> {
  return options.databaseUrl
    ? openPostgres(options.databaseUrl, options.poolSize ?? 10, { ...DEFAULT_POSTGRES_TIMEOUTS, ...options.postgres })
    : openPglite(options.dataDir ?? './data');
}

async function openPostgres(connectionString: string, poolSize: number, timeouts: PostgresTimeouts): Promise<Storage> {
  // Timeouts and keep-alive: a database that stops answering (a partition that drops packets, a
  // frozen server) must turn into errors — 503 for the webhook, not-ready for /readyz — not into
  // hung requests.
  const pool = new pg.Pool({
    connectionString,
    max: poolSize,
    application_name: 'identity-ledger',
    connectionTimeoutMillis: timeouts.connectTimeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
  // A client that loses its server must not crash the process. pg-pool listens for errors only
  // on idle clients; a client checked out (a transaction between two statements) that sees its
  // socket reset emits 'error' with no listener — an uncaught exception. The statement in flight,
  // or the next one, fails on its own; the pool replaces the client.
  pool.on('error', () => {});
  pool.on('connect', (client) => {
    client.on('error', () => {});
    namePreparedStatements(client);
    // No JIT compilation: every statement here is short, and a plan whose estimate crosses
    // jit_above_cost (a freshly built projection table before ANALYZE, say) spent ~235 ms
    // compiling a 0.5 ms lookup (EXPLAIN ANALYZE in bench/README.md). A SET, queued ahead of the
    // client's first statement, rather than a startup option: PgBouncer refuses unknown ones.
    // The timeouts the same way (PgBouncer refuses them as startup options too).
    client
      .query(
        `set jit = off; set statement_timeout = ${Math.floor(timeouts.statementTimeoutMs)}; set lock_timeout = ${Math.floor(timeouts.lockTimeoutMs)}; ` +
          `set idle_in_transaction_session_timeout = ${Math.floor(timeouts.idleInTransactionTimeoutMs)}`,
      )
      .catch(() => {});
  });
  // The stall probe's own connection, opened up front: `select 1` on it asks the server without
  // forking a backend (cheap, and still answered when only the postmaster hangs).
  let prober: pg.Client | null = null;
  const openProber = async () => {
    const client = new pg.Client({ connectionString, application_name: 'identity-ledger-probe', connectionTimeoutMillis: timeouts.connectTimeoutMs, query_timeout: timeouts.stallTimeoutMs });
    client.on('error', () => {});
    try {
      await client.connect();
    } catch (error) {
      // Not end(): on a frozen server it would wait for an answer that never comes.
      client.connection.stream.destroy();
      throw error;
    }
    return client;
  };
  const probe = async () => {
    prober ??= await openProber();
    try {
      await prober.query('select 1');
    } catch (error) {
      prober.connection.stream.destroy();
      prober = null;
      throw error;
    }
  };
  const stallWatch = timeouts.stallTimeoutMs > 0 ? watchStalledConnections(pool, { stallMs: timeouts.stallTimeoutMs, probe }) : null;
  if (stallWatch) prober = await openProber().catch(() => null);
  // While the server does not answer its probe, work fails at once rather than queueing on it.
  const guarded = {
    connect: () => (stallWatch?.unresponsive ? Promise.reject(unresponsiveError()) : pool.connect()),
    end: () => pool.end(),
  };
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: guarded }) });
  const local = new EventEmitter();
  local.setMaxListeners(0);
  const dedicated = new Set<pg.Client>();

  const connect = async () => {
    const client = new pg.Client({ connectionString, application_name: 'identity-ledger', connectionTimeoutMillis: 5000, keepAlive: true });
    client.on('error', () => {});
    await client.connect();
    dedicated.add(client);
    return client;
  };
  const drop = async (client: pg.Client) => {
    dedicated.delete(client);
    await client.end().catch(() => {});
  };

  return {
    kind: 'postgres',
    db,
    local,
    async listen(channel, onNotify, onReconnect) {
      // A LISTEN session survives database restarts: when its connection drops it reconnects
      // with backoff; notifications sent meanwhile are lost, which `onReconnect` makes up for.
      let stopped = false;
      let client: pg.Client | null = null;
      let retryMs = 200;
      let listened = false;
      const open = async (): Promise<void> => {
        if (stopped) return;
        try {
          const next = await connect();
          next.on('notification', (message) => {
            if (message.channel === channel) onNotify(message.payload ?? '');
          });
          const reopen = () => {
            if (client !== next) return;
            client = null;
            void drop(next);
            setTimeout(() => void open(), retryMs).unref();
          };
          next.on('error', reopen);
          next.on('end', reopen);
          await next.query(`listen ${pg.escapeIdentifier(channel)}`);
          client = next;
          retryMs = 200;
          if (stopped) await drop(next);
          else if (listened) onReconnect?.();
          listened = true;
        } catch {
          retryMs = Math.min(retryMs * 2, 5000);
          setTimeout(() => void open(), retryMs).unref();
        }
      };
      await open();
      return async () => {
        stopped = true;
        if (client) await drop(client);
        client = null;
      };
    },
    async tryLock(key) {
      const client = await connect();
      const result = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1) as locked', [lockKey(key)]);
      if (!result.rows[0]?.locked) {
        await drop(client);
        return null;
      }
      let held = true;
      const lose = () => {
        held = false;
      };
      client.on('error', lose);
      client.on('end', lose);
      return {
        get held() {
          return held;
        },
        release: () => drop(client),
      };
    },
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      stallWatch?.stop();
      await prober?.end().catch(() => {});
      await Promise.all([...dedicated].map(drop));
      await db.destroy();
    },
  };
}

/** SQLSTATE 08006 (connection failure): callers treat it as "the database is unavailable". */
function unresponsiveError(): Error {
  return Object.assign(new Error('the database does not answer (connection probe failed); retry later'), { code: '08006' });
}

async function openPglite(dataDir: string): Promise<Storage> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGliteDialect } = await import('kysely-pglite-dialect');
  // PostgreSQL's default 128 MB of shared buffers is sized for a server; this is one process on
  // one connection, and the files it reads stay in the OS page cache anyway. 16 MB took ~120 MB
  // off the resident size (measured: 282 → 165 MB for PGlite alone, after start).
  const startParams = [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'];
  let lock: DataDirLock | null = null;
  let client: InstanceType<typeof PGlite>;
  if (dataDir === 'memory://') {
    // From the template too, when it matches (the tests open many: 0.8–1.2 s each against 3.5–5.4 s with initdb).
    const template = readTemplate();
    client = new PGlite({ startParams, ...('tar' in template ? { loadDataDir: new Blob([template.tar]) } : {}) });
    await client.waitReady;
  } else {
    mkdirSync(dataDir, { recursive: true });
    lock = await lockDataDir(dataDir);
    try {
      await initPgliteDir(dataDir, startParams);
      client = new PGlite(dataDir, { startParams });
      await client.waitReady;
    } catch (error) {
      await lock.release();
      throw error;
    }
  }
  const db = new Kysely<Database>({ dialect: new PGliteDialect(client) });
  const local = new EventEmitter();
  local.setMaxListeners(0);
  // One process owns a PGlite directory (lockDataDir), so locks only need to exclude this process's own tasks.
  const held = new Set<string>();
  return {
    kind: 'pglite',
    db,
    local,
    // One process owns a PGlite directory, so there is no other process to hear from: commits
    // and requests are announced in-process (`local`) by whoever makes them.
    async listen() {
      return async () => {};
    },
    async tryLock(key) {
      if (held.has(key)) return null;
      held.add(key);
      return {
        held: true,
        async release() {
          held.delete(key);
        },
      };
    },
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await db.destroy();
      await lock?.release();
    },
  };
}
