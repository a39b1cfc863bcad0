import { sql } from 'kysely';
import type { Db } from '../database.ts';
import type { Keyring } from './masterKeys.ts';

/**
 * Master-key rotation, step two: rewraps every ledger secret still wrapped under a previous
 * master key (the pseudonym secret and the key secret every subject's key is derived with) under
 * the current one. Subject keys themselves are never wrapped (subjectKeys.ts), so this is two
 * rows whatever the ledger's size; safe while the service runs, since every reader unwraps by the
 * kid stored with the secret. Afterwards the previous key can be removed from the configuration.
 */
export async function rewrapKeys(db: Db, keyring: Keyring): Promise<{ secrets: number }> {
  let secrets = 0;
  const { rows } = await sql<{ name: string; kid: string; wrapped: Buffer }>`select name, kid, wrapped from ledger_secrets where kid <> ${keyring.kid}`.execute(db);
  for (const row of rows) {
    const context = `ledger-secret:${row.name}`;
    const next = keyring.wrap(keyring.unwrap(row.kid, Buffer.from(row.wrapped), context), context);
    await sql`update ledger_secrets set kid = ${next.kid}, wrapped = ${next.wrapped} where name = ${row.name} and kid = ${row.kid}`.execute(db);
    secrets++;
  }
  return { secrets };
}
