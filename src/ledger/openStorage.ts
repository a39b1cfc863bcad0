import { mkdirSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database, Db } from './database.ts';

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

export type OpenOptions = { databaseUrl: string | null; dataDir?: string; poolSize?: number };

/** A stable 32-bit key for advisory locks from a name. */
export function lockKey(name: string): number {
  let hash = 2166136261;
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i);
    hash = Math.imul(hash, 16777619);
  }
  return hash | 0;
}

export async function openStorage(options: OpenOptions): Promise<Storage> {
  return options.databaseUrl ? openPostgres(options.databaseUrl, options.poolSize ?? 10) : openPglite(options.dataDir ?? './data');
}

async function openPostgres(connectionString: string, poolSize: number): Promise<Storage> {
  // Timeouts and keep-alive: a database that stops answering (a partition that drops packets)
  // must turn into errors — 503 for the webhook, not-ready for /readyz — not into hung requests.
  const pool = new pg.Pool({
    connectionString,
    max: poolSize,
    application_name: 'identity-ledger',
    connectionTimeoutMillis: 5000,
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
    // No JIT compilation: every statement here is short, and a plan whose estimate crosses
    // jit_above_cost (a freshly built projection table before ANALYZE, say) spent ~235 ms
    // compiling a 0.5 ms lookup (EXPLAIN ANALYZE in bench/README.md). A SET, queued ahead of the
    // client's first statement, rather than a startup option: PgBouncer refuses unknown ones.
    client.query('set jit = off').catch(() => {});
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
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
      await Promise.all([...dedicated].map(drop));
      await db.destroy();
    },
  };
}

async function openPglite(dataDir: string): Promise<Storage> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGliteDialect } = await import('kysely-pglite-dialect');
  if (dataDir !== 'memory://') mkdirSync(dataDir, { recursive: true });
  const client = new PGlite(dataDir === 'memory://' ? undefined : dataDir);
  await client.waitReady;
  const db = new Kysely<Database>({ dialect: new PGliteDialect(client) });
  const local = new EventEmitter();
  local.setMaxListeners(0);
  // One process owns a PGlite directory, so locks only need to exclude this process's own tasks.
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
    },
  };
}
