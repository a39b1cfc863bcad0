import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openStorage, type Storage } from '../../src/ledger/openStorage.ts';
import { migrateToLatest } from '../../src/ledger/migrate.ts';
import { createLedger, type Ledger } from '../../src/ledger/ledger.ts';

/** The shared PostgreSQL the tests run against; CI makes sure it is up. */
export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * A fresh, migrated database per test file, so files run in parallel without seeing each
 * other's events. Dropped by `drop()`.
 */
export async function createTestDatabase(prefix = 'ledger'): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: ADMIN_URL });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

export async function openTestStorage(kind: 'postgres' | 'pglite' = 'postgres'): Promise<{ storage: Storage; url: string | null; cleanup(): Promise<void> }> {
  if (kind === 'pglite') {
    const storage = await openStorage({ databaseUrl: null, dataDir: 'memory://' });
    await migrateToLatest(storage.db);
    return { storage, url: null, cleanup: () => storage.close() };
  }
  const database = await createTestDatabase();
  const storage = await openStorage({ databaseUrl: database.url });
  await migrateToLatest(storage.db);
  return {
    storage,
    url: database.url,
    async cleanup() {
      await storage.close();
      await database.drop();
    },
  };
}

export type TestLedger = Awaited<ReturnType<typeof openTestStorage>> & { ledger: Ledger };

/** A fresh, migrated database with a ledger over it; `cleanup` closes the ledger first. */
export async function openTestLedger(kind: 'postgres' | 'pglite' = 'postgres', options?: Parameters<typeof createLedger>[1]): Promise<TestLedger> {
  const env = await openTestStorage(kind);
  const ledger = createLedger(env.storage, options);
  return {
    ...env,
    ledger,
    async cleanup() {
      await ledger.close();
      await env.cleanup();
    },
  };
}
