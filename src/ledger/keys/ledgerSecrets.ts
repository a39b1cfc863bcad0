import { sql } from 'kysely';
import type { Db } from '../database.ts';
import { MasterKeyError, type Keyring } from './masterKeys.ts';
import { randomFromPool } from './randomPool.ts';

/** The ledger's secrets: the pseudonym secret (HMAC of lookups) and the key secret (subject keys' derivation). */
export const LEDGER_SECRETS = ['pseudonyms', 'subject-keys'] as const;
export type LedgerSecrets = { pseudonyms: Buffer; subjectKeys: Buffer };

/**
 * The ledger's secrets, made once per ledger (the first instance to start creates them; the
 * others read the same rows), kept wrapped by the master key. They must never change — every
 * pseudonym and every subject key was derived with them — so a master-key rotation rewraps them,
 * never replaces them.
 */
export async function loadLedgerSecrets(db: Db, keyring: Keyring): Promise<LedgerSecrets> {
  const opened: Partial<Record<(typeof LEDGER_SECRETS)[number], Buffer>> = {};
  for (const name of LEDGER_SECRETS) {
    const fresh = keyring.wrap(randomFromPool(32), `ledger-secret:${name}`);
    await sql`insert into ledger_secrets (name, kid, wrapped) values (${name}, ${fresh.kid}, ${fresh.wrapped}) on conflict (name) do nothing`.execute(db);
  }
  const { rows } = await sql<{ name: (typeof LEDGER_SECRETS)[number]; kid: string; wrapped: Buffer }>`
    select name, kid, wrapped from ledger_secrets where name = any(${[...LEDGER_SECRETS]}::text[])`.execute(db);
  for (const row of rows) {
    try {
      opened[row.name] = keyring.unwrap(row.kid, Buffer.from(row.wrapped), `ledger-secret:${row.name}`);
    } catch (error) {
      if (error instanceof MasterKeyError) throw error;
      throw new MasterKeyError(`the ledger's secrets do not open with the configured master key ${row.kid}: is LEDGER_MASTER_KEY the key this database was created with?`, { cause: error });
    }
  }
  return { pseudonyms: opened.pseudonyms!, subjectKeys: opened['subject-keys']! };
}
