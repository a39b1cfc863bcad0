import { sql } from 'kysely';
import type { LedgerPage, Processor } from '../src/ledger/consumer/processor.ts';
import type { Storage } from '../src/ledger/openStorage.ts';
import { prepareBatch } from './applyBatch.ts';
import { createKeyFilter, type KeyFilter } from './keyFilter.ts';
import type { AppliedBatch, LiveProjections } from './liveProjections.ts';
import type { Projection, ProjectionContext, ProjectionName } from './projection.ts';
import { rememberActiveTables } from './store/activeTable.ts';
import type { ProjectionTable } from './store/projectionTable.ts';
import { projectionTableOf } from './store/projectionTableOf.ts';
import { ProjectionVersions, type ProjectionVersion } from './store/projectionVersions.ts';
import type { SwitchLock } from './switchLock.ts';
import { writeBatches } from './writeBatches.ts';

export type ProjectionRebuild = Processor & {
  /** The version being built for `name` and how far it has folded, as this processor knows it. */
  building(name: ProjectionName): ProjectionVersion | null;
};

type Entry = {
  projection: Projection<any>;
  table: ProjectionTable<any>;
  building: ProjectionVersion | null;
  /** The building version whose secondary indexes exist (created once it has caught up). */
  indexed: number | null;
  /** Every key its table holds: it was folded from position 0 by this processor. */
  filter: KeyFilter | null;
};

/**
 * The rebuild as a processor of a consumer of its own, reading from position 0: it folds every
 * building version (blue/green: the active one keeps serving queries meanwhile), the pages shared
 * by all of them and each page written in one statement, without waiting for the WAL flush (see
 * applyBatch.ts). A version that has caught up with the ledger gets its indexes and statistics,
 * and then, under the switch lock, catches up with the active version exactly and becomes active
 * in one transaction. It follows nothing while nothing is building.
 */
export function createProjectionRebuild(options: {
  storage: Storage;
  projections: readonly Projection<any>[];
  ctx: ProjectionContext;
  /** Its consumer's read, for the last events the live projections folded before the switch. */
  read: (after: number, limit: number) => Promise<LedgerPage>;
  readLimit: number;
  switchLock: SwitchLock;
  live: LiveProjections;
  /** How long a retired version's table survives the switch (queries in flight keep working). */
  dropRetiredAfterMs: number;
  onApplied?: (batch: AppliedBatch) => void;
  onSwitched?: (version: ProjectionVersion) => void;
  /** Its view of the registry is out of date: have its consumer ask for its checkpoint again. */
  onStale?: () => void;
  onError?: (error: Error) => void;
}): ProjectionRebuild {
  const { storage, ctx, switchLock, live } = options;
  const db = storage.db;
  const entries: Entry[] = options.projections.map((projection) => ({
    projection,
    table: projectionTableOf(projection.name),
    building: null,
    indexed: null,
    filter: null,
  }));
  const dropCheckEveryMs = Math.min(Math.max(options.dropRetiredAfterMs, 1000), 60_000);
  let nextDropCheck = 0;
  const dropTimers = new Set<NodeJS.Timeout>();

  const lowest = (): number | null => {
    const positions = entries.flatMap((entry) => (entry.building ? [entry.building.position] : []));
    return positions.length === 0 ? null : Math.min(...positions);
  };

  async function dropRetired(): Promise<void> {
    for (const { projection } of entries) await ProjectionVersions.dropRetired(db, projection.name, options.dropRetiredAfterMs);
  }

  /** Drops the retired tables once their grace period is over (a timer: the consumer may be idle by then). */
  function dropLater(): void {
    const timer = setTimeout(() => {
      dropTimers.delete(timer);
      dropRetired().catch((error: unknown) => options.onError?.(error as Error));
    }, options.dropRetiredAfterMs + 50);
    timer.unref();
    dropTimers.add(timer);
  }

  /** Folds a page into the given entries' building versions in one statement; forgets an entry whose checkpoint moved. */
  async function fold(targets: readonly Entry[], page: LedgerPage): Promise<void> {
    const { events } = page;
    const prepared = (
      await Promise.all(
        targets.map(async (entry) => {
          const target = entry.building!;
          if (target.position === 0 && !entry.filter) entry.filter = createKeyFilter();
          const batch = await prepareBatch(db, entry.projection, entry.table, target, events, ctx, { known: entry.filter ?? undefined, durable: false });
          return batch ? { entry, target, batch } : null;
        }),
      )
    ).filter((p) => p !== null);
    const outcomes = await writeBatches(
      db,
      prepared.map((p) => p.batch),
    );
    outcomes.forEach((outcome, i) => {
      const { entry, target } = prepared[i]!;
      if (!outcome.ok) {
        // Not where this processor left it: another instance builds it too. Ask the registry.
        entry.building = null;
        entry.filter = null;
        options.onStale?.();
        return;
      }
      entry.building = { ...target, position: outcome.to };
      options.onApplied?.({ name: target.name, version: target.version, from: target.position, to: outcome.to, events: events.length, changed: outcome.changed, rebuilding: true });
    });
  }

  /**
   * A version that has caught up with the ledger: indexes and statistics first (a table nobody
   * analyzed gets plans from guesses), then, with the live projections held off, the events they
   * folded meanwhile, and the switch.
   */
  async function finish(entry: Entry): Promise<void> {
    const built = entry.building!;
    if (entry.indexed !== built.version) {
      await entry.table.createIndexes(db, built.table);
      await sql`analyze ${sql.table(built.table)}`.execute(db);
      entry.indexed = built.version;
    }
    const switched = await switchLock.run(async () => {
      for (;;) {
        const { active, building } = await ProjectionVersions.current(db, built.name);
        if (!building || building.version !== built.version || !entry.building) return null;
        if (!active || active.position <= entry.building.position) break;
        const gap = await options.read(entry.building.position, options.readLimit);
        if (gap.events.length === 0) return null;
        await fold([entry], gap);
      }
      if (!(await ProjectionVersions.activate(db, built.name, built.version))) return null;
      const version: ProjectionVersion = { ...entry.building, status: 'active' };
      rememberActiveTables(db, [version]);
      live.adopt(version);
      return version;
    });
    if (!switched) {
      // The registry changed under it (abandoned for newer code, or the active version moved on
      // elsewhere): look again at the next checkpoint.
      entry.building = null;
      entry.filter = null;
      options.onStale?.();
      return;
    }
    entry.building = null;
    entry.filter = null;
    dropLater();
    options.onSwitched?.(switched);
  }

  return {
    name: 'projection-rebuild',
    async checkpoint() {
      if (Date.now() >= nextDropCheck) {
        nextDropCheck = Date.now() + dropCheckEveryMs;
        await dropRetired();
      }
      for (const entry of entries) {
        const { building } = await ProjectionVersions.current(db, entry.projection.name);
        // A build of other code is not this code's to fold: the live leader replaces it.
        const ours = building && building.codeVersion === entry.projection.codeVersion ? building : null;
        if (ours?.version !== entry.building?.version || (ours && entry.building && ours.position !== entry.building.position)) entry.filter = null;
        entry.building = ours;
      }
      return lowest();
    },
    async handle({ page, after, full }) {
      const { events } = page;
      const last = events[events.length - 1]?.position ?? after;
      await fold(
        entries.filter((entry) => entry.building && entry.building.position >= after && entry.building.position < last),
        page,
      );
      // A short page reaches the head as of its read: the versions it brought there are built.
      if (!full) for (const entry of entries) if (entry.building && entry.building.position >= last) await finish(entry);
      return lowest();
    },
    async pause() {
      for (const entry of entries) {
        entry.filter = null;
        entry.building = null;
      }
    },
    building: (name) => entries.find((entry) => entry.projection.name === name)?.building ?? null,
  };
}
