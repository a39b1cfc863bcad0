import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../database.ts';
import type { Keyring } from './masterKeys.ts';
import { randomFromPool } from './randomPool.ts';

/** A subject's data key as the appender holds it; `wrapped` is set until the key is known to be stored. */
export type SubjectKey = { id: string; key: Buffer; kid: string; wrapped: Buffer | null };

export type SubjectKeys = ReturnType<typeof createSubjectKeys>;

/**
 * The data keys of subjects (`subject_keys`): 32 random bytes each, wrapped by the master key
 * (Keyring.wrapSubjectKey). Deleting the row is the erasure.
 *
 * The cache is only ever a guess: the append function checks under the ledger lock that the key
 * an event was sealed under is the subject's live one (answering `stale_key` otherwise), and
 * every read joins `subject_keys`, so an erasure in another process takes effect at once even
 * while a key is still cached here.
 */
export function createSubjectKeys(keyring: Keyring, options: { maxCached?: number; newId?: () => string } = {}) {
  const maxCached = options.maxCached ?? 100_000;
  const newId = options.newId ?? randomUUID;
  const bySubject = new Map<string, SubjectKey>();
  const byId = new Map<string, Buffer>();

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
      const id = newId();
      const key = randomFromPool(32);
      const created: SubjectKey = { id, key, ...keyring.wrapSubjectKey(id, key) };
      remember(bySubject, subject, created);
      remember(byId, id, key);
      return created;
    },

    /** The append stored (or found) this key as the subject's live one. */
    confirmed(subject: string, id: string): void {
      const cached = bySubject.get(subject);
      if (cached?.id === id) cached.wrapped = null;
    },

    /** Reloads the live keys of these subjects (after `stale_key`): absent ones get a new key on the next append. */
    async refresh(db: Db, subjects: readonly string[]): Promise<void> {
      for (const subject of subjects) bySubject.delete(subject);
      if (subjects.length === 0) return;
      const { rows } = await sql<{ id: string; subject: string; kid: string; wrapped: Buffer }>`
        select id, subject, kid, wrapped from subject_keys where subject = any(${subjects}::text[])`.execute(db);
      for (const row of rows) {
        const key = keyring.unwrapSubjectKey(row.kid, row.id, Buffer.from(row.wrapped));
        remember(bySubject, row.subject, { id: row.id, key, kid: row.kid, wrapped: null });
        remember(byId, row.id, key);
      }
    },

    /** The data key with this id, from its stored wrapped form (the caller read the row: the key is live). */
    open(id: string, kid: string, wrapped: Buffer): Buffer {
      const cached = byId.get(id);
      if (cached) return cached;
      const key = keyring.unwrapSubjectKey(kid, id, wrapped);
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
