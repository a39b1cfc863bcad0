import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { KeyFilter } from './keyFilter.ts';
import type { ProjectionTable, RowChanges } from './store/projectionTable.ts';

export type ApplyOutcome = { ok: true; to: number; changed: number } | { ok: false; reason: 'checkpoint_moved' };

/** A folded batch waiting to be written (applyBatch.ts `prepareBatch`). */
export type PreparedBatch<Row = any> = {
  table: ProjectionTable<Row>;
  tableName: string;
  /** The position the checkpoint moves to. */
  to: number;
  changes: RowChanges<Row>;
  /** The checkpoint's compare-and-set (ProjectionVersions.advanceQuery): the rows are written only if it moves. */
  advance: RawBuilder<{ moved: number }>;
  known?: KeyFilter | undefined;
};

/**
 * Writes batches of several projections (or versions) in ONE statement, so one transaction: each
 * batch's rows gated by its own checkpoint's compare-and-set. The outcome of each is its own — a
 * batch whose checkpoint moved meanwhile writes nothing, and the others are written all the same
 * — so every version keeps exactly-once on its own, and the live projections cost one round trip
 * per page together instead of one each.
 */
export async function writeBatches(db: Kysely<any>, batches: readonly PreparedBatch[]): Promise<ApplyOutcome[]> {
  if (batches.length === 0) return [];
  const parts = batches.flatMap((batch, i) => batch.table.writeParts(`b${i}_`, batch.tableName, batch.changes, batch.advance));
  const moved = sql.join(
    batches.map((_, i) => sql`select ${i}::int as batch from ${sql.id(`b${i}_moved`)}`),
    sql` union all `,
  );
  const { rows } = await sql<{ batch: number }>`with ${sql.join(parts)} ${moved}`.execute(db);
  const written = new Set(rows.map((row) => Number(row.batch)));
  return batches.map((batch, i) => {
    if (!written.has(i)) return { ok: false, reason: 'checkpoint_moved' } as const;
    const { insert, update } = batch.changes;
    if (batch.known) for (const rows of [insert, update]) for (const row of rows) batch.known.add(batch.table.filterKeyOfRow(row));
    return { ok: true, to: batch.to, changed: insert.length + update.length + (batch.changes.remove?.length ?? 0) } as const;
  });
}
