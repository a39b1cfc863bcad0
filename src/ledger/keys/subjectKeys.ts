import { createHmac, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../database.ts';
import { randomFromPool } from './randomPool.ts';

/** A subject's data key as the appender holds it; `seed` is set until the key is known to be stored. */
export type SubjectKey = { id: string; key: Buffer; seed: Buffer | null };

export type SubjectKeys = ReturnType<typeof createSubjectKeys>;

/**
 * The data keys of subjects. Each subject's key is derived — HMAC-SHA256 of a random 32-byte
 * seed, kept in its row of `subject_keys`, under the ledger's key secret, which is wrapped by the
 * master key (ledgerSecrets.ts). Deleting the row deletes the seed, and with it the only way to
 * the key: that is the erasure. Deriving instead of wrapping one key per subject spares a cipher
 * per new subject on the append path, and makes a master-key rotation rewrap two secrets instead
 * of every subject's key; a database copy without the master key opens nothing either way.
 *
 * The cache is only ever a guess: the append function checks under the ledger lock that the key
 * an event was sealed under is the subject's live one (answering `stale_key` otherwise), and
 * every read joins `subject_keys`, so an erasure in another process takes effect at once even
 * while a key is still cached here.
 */
export function createSubjectKeys(keySecret: Buffer, options: { maxCached?: number } = {}) {
  const maxCached = options.maxCached ?? 100_000;
  const bySubject = new Map<string, SubjectKey>();
  const byId = new Map<string, Buffer>();
  const derive = (seed: Buffer) => createHmac('sha256', keySecret).update(seed).digest();

  const remember = <K, V>(map: Map<K, V>, key: K, value: V) => {
    map.delete(key);
    map.set(key, value);
    if (map.size > maxCached) map.delete(map.keys().next().value as K);
  };

  return {
    /** The key to seal a subject's new event with: the cached live key, or a new one (stored by the append). */
    forAppend(subject: string): SubjectKey {
      const cached = bySubject.get(subject);
      if (cached) return cached;
      const seed = randomFromPool(32);
      const created: SubjectKey = { id: randomUUID(), key: derive(seed), seed };
      remember(bySubject, subject, created);
      remember(byId, created.id, created.key);
      return created;
    },

    /** The append stored (or found) this key as the subject's live one. */
    confirmed(subject: string, id: string): void {
      const cached = bySubject.get(subject);
      if (cached?.id === id) cached.seed = null;
    },

    /** Reloads the live keys of these subjects (after `stale_key`): absent ones get a new key on the next append. */
    async refresh(db: Db, subjects: readonly string[]): Promise<void> {
      for (const subject of subjects) bySubject.delete(subject);
      if (subjects.length === 0) return;
      const { rows } = await sql<{ id: string; subject: string; seed: Buffer }>`
        select id, subject, seed from subject_keys where subject = any(${subjects}::text[])`.execute(db);
      for (const row of rows) {
        const key = derive(Buffer.from(row.seed));
        remember(bySubject, row.subject, { id: row.id, key, seed: null });
        remember(byId, row.id, key);
      }
    },

    /** The data key with this id, from its stored seed (the caller read the row: the key is live). */
    open(id: string, seed: Buffer): Buffer {
      const cached = byId.get(id);
      if (cached) return cached;
      const key = derive(seed);
      remember(byId, id, key);
      return key;
    },

    /** Drops erased subjects' keys from this process's memory. */
    forget(subjects: readonly string[], ids: readonly string[]): void {
      for (const subject of subjects) bySubject.delete(subject);
      for (const id of ids) byId.delete(id);
    },
  };
}
