import type { Kysely } from 'kysely';
import type { LedgerEvent } from '../src/ledger/events.ts';
import { filterKeyOf, type KeyFilter } from './keyFilter.ts';
import type { Key } from './key.ts';
import type { Projection, ProjectionContext } from './projection.ts';
import type { ProjectionPage } from './readProjectionEvents.ts';
import type { ProjectionTable } from './store/projectionTable.ts';
import { ProjectionVersions, type ProjectionVersion } from './store/projectionVersions.ts';
import { writeBatches, type ApplyOutcome, type PreparedBatch } from './writeBatches.ts';

export type { ApplyOutcome } from './writeBatches.ts';

type Target = Pick<ProjectionVersion, 'version' | 'table' | 'position'>;

type BatchOptions = {
  /** Every key the table holds, if known (see keyFilter.ts): keys it lacks are not looked up. */
  known?: KeyFilter | undefined;
  /**
   * False for a rebuild's batches: their commit does not wait for the WAL flush. A database
   * crash may lose the last few, rows and checkpoint together, so they are simply folded again;
   * the switch, committed durably, flushes every one before it.
   */
  durable?: boolean;
};

/**
 * Folds a batch of events into one version's table in two statements: load the rows of every key
 * the batch touches (one select), fold in memory, then write the changed rows and move the
 * checkpoint in ONE statement (inserts for keys the load did not find, updates for the others,
 * all conditional on the checkpoint's compare-and-set). Rows and checkpoint commit together or
 * not at all: a crash anywhere replays the whole batch, and a batch is never applied twice —
 * an applier that lost its leadership without noticing finds the checkpoint moved and writes
 * nothing (see writeRowsParts). No explicit transaction: under webhook load the
 * BEGIN/COMMIT and a separate checkpoint statement were three of five round trips per batch.
 */
export async function applyBatch<Row extends Key>(
  db: Kysely<any>,
  projection: Projection<Row>,
  table: ProjectionTable<Row>,
  target: Target,
  events: readonly LedgerEvent[],
  ctx: ProjectionContext,
  options: BatchOptions = {},
): Promise<ApplyOutcome> {
  const prepared = await prepareBatch(db, projection, table, target, events, ctx, options);
  if (!prepared) return { ok: true, to: target.position, changed: 0 };
  const [outcome] = await writeBatches(db, [prepared]);
  return outcome!;
}

/**
 * The first half of `applyBatch`: loads the touched rows and folds the events after the target's
 * checkpoint; `writeBatches` writes the result, together with other projections' batches in one
 * statement. Null when no event is after the checkpoint.
 */
export async function prepareBatch<Row extends Key>(
  db: Kysely<any>,
  projection: Projection<Row>,
  table: ProjectionTable<Row>,
  target: Target,
  events: readonly LedgerEvent[],
  ctx: ProjectionContext,
  options: BatchOptions = {},
): Promise<PreparedBatch<Row> | null> {
  const { known, durable = true } = options;
  const last = events[events.length - 1];
  if (!last || last.position <= target.position) return null;
  // Deduplicated by a cheap key (NUL cannot occur in PostgreSQL text); the fold's own `keyOf`
  // is JSON, and the folds already call it often enough.
  const keys = new Map<string, Key>();
  for (const event of events) {
    for (const key of projection.keysOf(event)) keys.set(filterKeyOf(key), key);
  }
  const toLoad = known ? [...keys].filter(([id]) => known.mightContain(id)).map(([, key]) => key) : [...keys.values()];
  const rows = new Map<string, Row>();
  for (const row of await table.load(db, target.table, toLoad)) rows.set(table.keyOfRow(row), row);
  const existing = new Set(rows.keys());
  const changedKeys = new Set<string>();
  for (const event of events) {
    if (event.position <= target.position) continue;
    for (const key of projection.evolve(rows, event, ctx)) changedKeys.add(key);
  }
  const insert: Row[] = [];
  const update: Row[] = [];
  const remove: [string, string][] = [];
  for (const key of changedKeys) {
    const row = rows.get(key);
    // A row the fold deleted: gone from the table if it was there, nothing to write if it was new.
    if (row === undefined) {
      if (existing.has(key)) remove.push(JSON.parse(key) as [string, string]);
    } else (existing.has(key) ? update : insert).push(row);
  }
  // The erasure epoch the page was read (and unsealed) at: a batch folded from keys an erasure
  // has since deleted fails its compare-and-set and is folded again (ProjectionVersions.advanceQuery).
  const erasureEpoch = (events as ProjectionPage).erasureEpoch;
  const advance = ProjectionVersions.advanceQuery(projection.name, target.version, target.position, last.position, {
    ...(durable ? {} : { synchronousCommit: 'off' as const }),
    ...(erasureEpoch === undefined ? {} : { erasureEpoch }),
  });
  return { table, tableName: target.table, to: last.position, changes: { insert, update, remove }, advance, known };
}
