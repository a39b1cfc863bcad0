import { sql } from 'kysely';
import type { Db } from '../database.ts';

/**
 * A processor's checkpoint kept as a named row of `outbox_cursors` (the outbox relay's, the
 * unionid reactor's). The projections keep theirs in `projection_versions`, written in the same
 * statement as their rows.
 */
export const CursorCheckpoint = {
  /** The stored position; a missing row is created at `initial` (0 unless said otherwise). */
  async load(db: Db, name: string, initial: number | (() => Promise<number>) = 0): Promise<number> {
    const existing = await CursorCheckpoint.peek(db, name);
    if (existing !== null) return existing;
    const position = typeof initial === 'number' ? initial : await initial();
    await db.insertInto('outbox_cursors').values({ name, position }).onConflict((oc) => oc.column('name').doNothing()).execute();
    return (await CursorCheckpoint.peek(db, name)) ?? position;
  },

  /** The stored position, or null when there is none yet (what a passive instance reports). */
  async peek(db: Db, name: string): Promise<number | null> {
    const row = await db.selectFrom('outbox_cursors').select('position').where('name', '=', name).executeTakeFirst();
    return row ? Number(row.position) : null;
  },

  /** Moves it forward, never back: an instance that lost its lead without noticing cannot undo the leader's progress. */
  async store(db: Db, name: string, position: number): Promise<void> {
    await sql`update outbox_cursors set position = greatest(position, ${position}), updated_at = now() where name = ${name}`.execute(db);
  },
};
