import type { Processor } from '../src/ledger/consumer/processor.ts';
import type { Ledger } from '../src/ledger/ledger.ts';
import { prepareBatch } from './applyBatch.ts';
import { createKeyFilter, type KeyFilter } from './keyFilter.ts';
import type { Projection, ProjectionContext, ProjectionName } from './projection.ts';
import { signalRebuild } from './rebuildSignal.ts';
import { rememberActiveTables } from './store/activeTable.ts';
import type { ProjectionTable } from './store/projectionTable.ts';
import { projectionTableOf } from './store/projectionTableOf.ts';
import { ProjectionVersions, type ProjectionVersion } from './store/projectionVersions.ts';
import type { SwitchLock } from './switchLock.ts';
import { writeBatches, type PreparedBatch } from './writeBatches.ts';

export type AppliedBatch = {
  name: ProjectionName;
  version: number;
  from: number;
  to: number;
  events: number;
  changed: number;
  /** True for a batch folded into the building version of a rebuild. */
  rebuilding: boolean;
};

/** What the live processor knows of one projection's registry. */
export type LiveVersions = { name: ProjectionName; active: ProjectionVersion | null; building: ProjectionVersion | null };

export type LiveProjections = Processor & {
  versions(): LiveVersions[];
  /** A rebuild in this process switched `version` active (under the switch lock): fold into it from now on. */
  adopt(version: ProjectionVersion): void;
  /** Read the registry again before the next page (a rebuild was requested). */
  markStale(): void;
};

type Entry = LiveVersions & { projection: Projection<any>; table: ProjectionTable<any> };

/**
 * The live projections as ONE processor: each page is folded into every projection's active
 * version and written in one statement with their checkpoints (writeBatches.ts), so the page
 * costs one round trip for all of them, and each one's rows and checkpoint still move together,
 * exactly once. As the leader it also puts the registry right: version 1 on a first start, a
 * rebuild when a projection's code changed (projectionRebuild.ts folds it).
 */
export function createLiveProjections(options: {
  ledger: Ledger;
  projections: readonly Projection<any>[];
  ctx: ProjectionContext;
  switchLock: SwitchLock;
  onApplied?: (batch: AppliedBatch) => void;
}): LiveProjections {
  const { ledger, ctx, switchLock } = options;
  const storage = ledger.storage;
  const db = storage.db;
  const entries: Entry[] = options.projections.map((projection) => ({
    name: projection.name,
    projection,
    table: projectionTableOf(projection.name),
    active: null,
    building: null,
  }));
  /** Key filters of the versions this processor has folded from position 0 itself, by version. */
  const filters = new Map<string, KeyFilter>();
  let stale = true;

  const lowest = (): number | null => {
    const positions = entries.flatMap((entry) => (entry.active ? [entry.active.position] : []));
    return positions.length === 0 ? null : Math.min(...positions);
  };

  /**
   * The leader's view of the registry, put right: on the first start, version 1, active at once
   * on an empty ledger, otherwise built (and active once it has caught up, so no query sees a
   * half-folded table); a rebuild if the active version was folded by other code; a build left
   * by other code replaced by ours.
   */
  async function syncRegistry(): Promise<void> {
    stale = false;
    for (const entry of entries) {
      const { name, codeVersion } = entry.projection;
      let current = await ProjectionVersions.current(db, name);
      if (!current.active && !current.building && (await ledger.head()) === 0) {
        current = { ...current, active: await ProjectionVersions.createActive(db, name, codeVersion) };
      }
      const foreignBuild = current.building !== null && current.building.codeVersion !== codeVersion;
      if (foreignBuild || (!current.building && current.active?.codeVersion !== codeVersion)) {
        current = { ...current, building: await ProjectionVersions.startBuilding(db, name, codeVersion, { replaceForeign: true }) };
        await signalRebuild(storage, name);
      }
      if (current.active?.version !== entry.active?.version) forget(entry);
      entry.active = current.active;
      entry.building = current.building;
      if (entry.active) rememberActiveTables(db, [entry.active]);
    }
  }

  function forget(entry: Entry): void {
    for (const key of filters.keys()) if (key.startsWith(`${entry.name}:`)) filters.delete(key);
  }

  return {
    name: 'projections',
    async checkpoint() {
      await syncRegistry();
      return lowest();
    },
    async handle({ page, after }) {
      if (stale) await syncRegistry();
      const events = page.events;
      const last = events[events.length - 1]?.position ?? after;
      await switchLock.run(async () => {
        // A version behind `after` (switched to while this page was read) waits for a page from its own position.
        const targets = entries.filter((entry) => entry.active && entry.active.position >= after && entry.active.position < last);
        const prepared: { entry: Entry; target: ProjectionVersion; batch: PreparedBatch }[] = [];
        await Promise.all(
          targets.map(async (entry) => {
            const target = entry.active!;
            const filterId = `${entry.name}:${target.version}`;
            if (target.position === 0 && !filters.has(filterId)) filters.set(filterId, createKeyFilter());
            const batch = await prepareBatch(db, entry.projection, entry.table, target, events, ctx, { known: filters.get(filterId) });
            if (batch) prepared.push({ entry, target, batch });
          }),
        );
        const outcomes = await writeBatches(
          db,
          prepared.map((p) => p.batch),
        );
        outcomes.forEach((outcome, i) => {
          const { entry, target } = prepared[i]!;
          if (!outcome.ok) {
            // Someone else moved the checkpoint (another leader, or a switch elsewhere): ask the registry.
            stale = true;
            forget(entry);
            return;
          }
          entry.active = { ...target, position: outcome.to };
          options.onApplied?.({ name: entry.name, version: target.version, from: target.position, to: outcome.to, events: events.length, changed: outcome.changed, rebuilding: false });
        });
      });
      if (stale) await syncRegistry();
      return lowest();
    },
    async observe() {
      for (const entry of entries) {
        const current = await ProjectionVersions.current(db, entry.name);
        entry.active = current.active;
        entry.building = current.building;
        if (entry.active) rememberActiveTables(db, [entry.active]);
      }
    },
    async pause() {
      filters.clear();
      stale = true;
    },
    versions: () => entries.map(({ name, active, building }) => ({ name, active, building })),
    adopt(version) {
      const entry = entries.find((e) => e.name === version.name);
      if (!entry) return;
      forget(entry);
      entry.active = version;
      entry.building = null;
    },
    markStale() {
      stale = true;
    },
  };
}
