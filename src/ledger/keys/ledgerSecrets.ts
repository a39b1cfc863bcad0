import { sql } from 'kysely';
import type { Db } from '../database.ts';
import { MasterKeyError, type Keyring } from './masterKeys.ts';
import { randomFromPool } from './randomPool.ts';

const PSEUDONYMS = 'pseudonyms';

/**
 * The pseudonym secret: made once per ledger (the first instance to start creates it; the
 * others read the same row), kept wrapped by the master key. It must never change — every
 * pseudonym in the ledger was computed with it — so a master-key rotation rewraps it, never
 * replaces it.
 */
export async function loadPseudonymSecret(db: Db, keyring: Keyring): Promise<Buffer> {
  const fresh = keyring.wrap(randomFromPool(32), `ledger-secret:${PSEUDONYMS}`);
  await sql`insert into ledger_secrets (name, kid, wrapped) values (${PSEUDONYMS}, ${fresh.kid}, ${fresh.wrapped}) on conflict (name) do nothing`.execute(db);
  const { rows } = await sql<{ kid: string; wrapped: Buffer }>`select kid, wrapped from ledger_secrets where name = ${PSEUDONYMS}`.execute(db);
  const row = rows[0]!;
  try {
    return keyring.unwrap(row.kid, Buffer.from(row.wrapped), `ledger-secret:${PSEUDONYMS}`);
  } catch (error) {
    if (error instanceof MasterKeyError) throw error;
    throw new MasterKeyError(`the ledger's secrets do not open with the configured master key ${row.kid}: is LEDGER_MASTER_KEY the key this database was created with?`, { cause: error });
  }
}
