import type { Kysely } from 'kysely';
import type { LedgerEvent } from '../src/ledger/events.ts';
import type { KeyFilter } from './keyFilter.ts';
import type { Key } from './key.ts';
import type { Projection, ProjectionContext } from './projection.ts';
import type { ProjectionTable } from './store/projectionTable.ts';
import { ProjectionVersions, type ProjectionVersion } from './store/projectionVersions.ts';

export type ApplyOutcome = { ok: true; to: number; changed: number } | { ok: false; reason: 'checkpoint_moved' };

class CheckpointMoved extends Error {}

/**
 * Folds a batch of events into one version's table in ONE transaction: move the checkpoint
 * (compare-and-set, first, so it also serializes appliers), load the rows of every key the batch
 * touches (one select), fold in memory, write the changed rows (one statement: inserts for the
 * keys the load did not find, updates for the others). The rows and the
 * checkpoint commit together or not at all: a crash anywhere replays the whole batch, and a batch
 * is never applied twice.
 */
export async function applyBatch<Row extends Key>(
  db: Kysely<any>,
  projection: Projection<Row>,
  table: ProjectionTable<Row>,
  target: Pick<ProjectionVersion, 'version' | 'table' | 'position'>,
  events: readonly LedgerEvent[],
  ctx: ProjectionContext,
  options: {
    /** Every key the table holds, if known (see keyFilter.ts): keys it lacks are not looked up. */
    known?: KeyFilter | undefined;
    /**
     * False for a rebuild's batches: their commit does not wait for the WAL flush. A database
     * crash may lose the last few, rows and checkpoint together, so they are simply folded again;
     * the switch, committed durably, flushes every one before it.
     */
    durable?: boolean;
  } = {},
): Promise<ApplyOutcome> {
  const { known, durable = true } = options;
  const last = events[events.length - 1];
  if (!last) return { ok: true, to: target.position, changed: 0 };
  // Deduplicated by a cheap key (NUL cannot occur in PostgreSQL text); the fold's own `keyOf`
  // is JSON, and the folds already call it often enough.
  const keys = new Map<string, Key>();
  for (const event of events) {
    for (const key of projection.keysOf(event)) keys.set(filterKey(key), key);
  }
  const toLoad = known ? [...keys].filter(([id]) => known.mightContain(id)).map(([, key]) => key) : [...keys.values()];
  try {
    const changed = await db.transaction().execute(async (trx) => {
      const synchronousCommit = durable ? undefined : 'off';
      if (!(await ProjectionVersions.advance(trx, projection.name, target.version, target.position, last.position, { synchronousCommit }))) {
        throw new CheckpointMoved();
      }
      const rows = new Map<string, Row>();
      for (const row of await table.load(trx, target.table, toLoad)) rows.set(table.keyOfRow(row), row);
      const existing = new Set(rows.keys());
      const changedKeys = new Set<string>();
      for (const event of events) {
        if (event.position <= target.position) continue;
        for (const key of projection.evolve(rows, event, ctx)) changedKeys.add(key);
      }
      const insert: Row[] = [];
      const update: Row[] = [];
      for (const key of changedKeys) (existing.has(key) ? update : insert).push(rows.get(key)!);
      await table.write(trx, target.table, { insert, update });
      return [...insert, ...update];
    });
    if (known) for (const row of changed) known.add(filterKey(row));
    return { ok: true, to: last.position, changed: changed.length };
  } catch (error) {
    if (error instanceof CheckpointMoved) return { ok: false, reason: 'checkpoint_moved' };
    throw error;
  }
}

function filterKey(key: Key): string {
  return `${key.appid}\u0000${key.openid}`;
}
