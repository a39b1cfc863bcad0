import { sql } from 'kysely';
import type { Db } from '../database.ts';
import type { Keyring } from './masterKeys.ts';

/**
 * Master-key rotation, step two: rewraps every key still wrapped under a previous master key
 * (the pseudonym secret and every subject's data key) under the current one, in batches, each
 * its own statement — resumable, and safe while the service runs (a key row is only ever
 * rewrapped, never replaced, and every reader unwraps by the kid stored with it). Afterwards the
 * previous key can be removed from the configuration — and, destroyed, takes with it every copy
 * of an erased key the database could not delete (dead tuples, WAL, backups). Returns how many
 * keys were rewrapped.
 */
export async function rewrapKeys(db: Db, keyring: Keyring, options: { batchSize?: number } = {}): Promise<{ secrets: number; subjectKeys: number }> {
  const batchSize = options.batchSize ?? 1000;
  let secrets = 0;
  const { rows } = await sql<{ name: string; kid: string; wrapped: Buffer }>`select name, kid, wrapped from ledger_secrets where kid <> ${keyring.kid}`.execute(db);
  for (const row of rows) {
    const context = `ledger-secret:${row.name}`;
    const next = keyring.wrap(keyring.unwrap(row.kid, Buffer.from(row.wrapped), context), context);
    await sql`update ledger_secrets set kid = ${next.kid}, wrapped = ${next.wrapped} where name = ${row.name} and kid = ${row.kid}`.execute(db);
    secrets++;
  }
  let subjectKeys = 0;
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const page = await sql<{ id: string; kid: string; wrapped: Buffer }>`
      select id, kid, wrapped from subject_keys where kid <> ${keyring.kid} and id > ${after}::uuid order by id limit ${batchSize}`.execute(db);
    if (page.rows.length === 0) break;
    const ids: string[] = [];
    const kids: string[] = [];
    const wrapped: Buffer[] = [];
    for (const row of page.rows) {
      const next = keyring.wrapSubjectKey(row.id, keyring.unwrapSubjectKey(row.kid, row.id, Buffer.from(row.wrapped)));
      ids.push(row.id);
      kids.push(next.kid);
      wrapped.push(next.wrapped);
    }
    // A key erased meanwhile stays erased: only rows still there are updated.
    const result = await sql`
      update subject_keys k set kid = u.kid, wrapped = u.wrapped
      from unnest(${ids}::uuid[], ${kids}::text[], ${wrapped}::bytea[]) as u(id, kid, wrapped)
      where k.id = u.id`.execute(db);
    subjectKeys += Number(result.numAffectedRows ?? 0);
    after = ids[ids.length - 1]!;
  }
  return { secrets, subjectKeys };
}
