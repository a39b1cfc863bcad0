import { sql } from 'kysely';
import type { LedgerEvent } from '../src/ledger/events.ts';
import type { Ledger } from '../src/ledger/ledger.ts';
import type { LockHandle } from '../src/ledger/openStorage.ts';
import { applyBatch } from './applyBatch.ts';
import type { Key } from './key.ts';
import type { Projection, ProjectionContext, ProjectionName } from './projection.ts';
import { createKeyFilter, type KeyFilter } from './keyFilter.ts';
import { createPageReader, createSharedPageReader } from './pageReader.ts';
import { onRebuildRequested } from './rebuildSignal.ts';
import { rememberActiveTables } from './store/activeTable.ts';
import { projectionTableOf } from './store/projectionTableOf.ts';
import { ProjectionVersions, type ProjectionVersion } from './store/projectionVersions.ts';

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

export type ProjectionStatus = {
  name: ProjectionName;
  /** Version serving queries; null before the first start created one. */
  version: number | null;
  codeVersion: number;
  checkpoint: number;
  head: number;
  lag: number;
  leader: boolean;
  rebuilding: { version: number; checkpoint: number } | null;
  lastError: string | null;
};

export type ProjectionDaemonOptions<Row extends Key = Key> = {
  ledger: Ledger;
  projection: Projection<Row>;
  ctx: ProjectionContext;
  /** Events per live transaction. */
  batchSize?: number;
  /** Events per rebuild transaction (big: per-batch round trips add up over millions of events). */
  rebuildBatchSize?: number;
  /** Pause after an error; a passive instance tries to become leader every 2 × retryMs. */
  retryMs?: number;
  /** Sleep when idle and not woken by a commit: a missed notification costs at most this. */
  safetyPollMs?: number;
  /** How long a retired version's table survives the switch (queries in flight keep working). */
  dropRetiredAfterMs?: number;
  onApplied?: (batch: AppliedBatch) => void;
  /** The active version changed (a rebuild finished). */
  onSwitched?: (version: ProjectionVersion) => void;
  onError?: (error: Error) => void;
};

export type ProjectionDaemon = {
  start(): ProjectionDaemon;
  stop(): Promise<void>;
  status(): ProjectionStatus;
};

/**
 * Keeps one projection's active table folded up to the ledger head, and drives its rebuild
 * (blue/green): while a building version exists, each turn of the loop applies the live batch to
 * the active table, then one big batch to the building one, which becomes active in one
 * transaction once it has caught up. Exactly one daemon per projection leads across processes
 * (a session advisory lock); the others wait for the lock and only report.
 */
export function createProjectionDaemon<Row extends Key>(options: ProjectionDaemonOptions<Row>): ProjectionDaemon {
  const { ledger, projection, ctx } = options;
  const { name, codeVersion } = projection;
  const storage = ledger.storage;
  const db = storage.db;
  const table = projectionTableOf<Row>(name);
  const batchSize = clampBatch(options.batchSize ?? 5000);
  const rebuildBatchSize = clampBatch(options.rebuildBatchSize ?? 10_000);
  const retryMs = options.retryMs ?? 1000;
  const safetyPollMs = options.safetyPollMs ?? 5000;
  const dropRetiredAfterMs = options.dropRetiredAfterMs ?? 30_000;
  const dropCheckEveryMs = Math.min(Math.max(dropRetiredAfterMs, 1000), 60_000);

  let stopped = false;
  let lock: LockHandle | null = null;
  let active: ProjectionVersion | null = null;
  let building: ProjectionVersion | null = null;
  /** The building version whose secondary indexes exist (created once it nears the head). */
  let indexed: number | null = null;
  let registryDirty = true;
  let head = 0;
  let lastError: string | null = null;
  /** When the next drop of retired tables is due: right after a switch, then now and then for leftovers. */
  let nextDropCheck = 0;
  const liveReader = createPageReader(ledger);
  const buildReader = createSharedPageReader(ledger);
  /** Key filters of the versions this daemon has folded from position 0 itself, by version. */
  const filters = new Map<number, KeyFilter>();

  // Set by every wake-up, cleared before each turn: a signal during a turn is not slept through.
  let signalled = false;
  let wakeUp: (() => void) | null = null;
  const wake = () => {
    signalled = true;
    wakeUp?.();
  };
  const unsubscribeAppends = ledger.onAppend((position) => {
    head = Math.max(head, position);
    wake();
  });
  const unsubscribeRebuilds = onRebuildRequested(storage, (requested) => {
    if (requested !== name) return;
    registryDirty = true;
    wake();
  });

  /** Sleeps `ms`, or less if woken (by commits and rebuild requests only when `wakeable`; always by stop). */
  let interrupt: (() => void) | null = null;
  const sleep = (ms: number, wakeable = true) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeUp = null;
        interrupt = null;
        resolve();
      }
      interrupt = done;
      if (wakeable) wakeUp = done;
    });

  const fail = (error: unknown) => {
    const err = error instanceof Error ? error : new Error(String(error));
    lastError = err.message;
    options.onError?.(err);
  };

  async function loop(): Promise<void> {
    while (!stopped) {
      try {
        if (!lock?.held) {
          await acquireLeadership();
          if (!lock) {
            await followRegistry();
            // Not woken by commits: a passive instance retries the lock (a new connection each
            // time) at its own, slow pace, as the outbox relay does.
            await sleep(retryMs * 2, false);
            continue;
          }
        }
        signalled = false;
        const worked = await turn();
        lastError = null;
        if (!lock?.held) continue;
        if (!worked && !signalled && !stopped) {
          await sleep(Math.max(Math.min(safetyPollMs, nextDropCheck - Date.now()), 1));
          // Woken by the timer, not a commit: re-read the registry, a notification may be lost.
          if (!signalled) registryDirty = true;
        }
      } catch (error) {
        fail(error);
        forgetProgress();
        if (!stopped) await sleep(retryMs);
      }
    }
  }

  async function acquireLeadership(): Promise<void> {
    if (lock) {
      // The session holding the lock is gone: someone else may lead now.
      const lost = lock;
      lock = null;
      await lost.release().catch(() => {});
    }
    forgetProgress();
    lock = await storage.tryLock(`projection:${name}`);
  }

  /** After an error or a change of leader, trust nothing remembered about the tables but the registry. */
  function forgetProgress(): void {
    registryDirty = true;
    liveReader.reset();
    buildReader.reset();
    filters.clear();
  }

  /** A passive instance only reports what the leader has done. */
  async function followRegistry(): Promise<void> {
    ({ active, building } = await ProjectionVersions.current(db, name));
    if (active) rememberActiveTables(db, [active]);
    head = Math.max(head, await ledger.head());
  }

  /**
   * The leader's view of the registry, put right: on the first start, version 1, active at once
   * on an empty ledger, otherwise built (and active once it has caught up, so no query sees a
   * half-folded table); a rebuild if the active version was folded by other code; a build left
   * by other code replaced by ours.
   */
  async function syncRegistry(): Promise<void> {
    let current = await ProjectionVersions.current(db, name);
    if (!current.active && !current.building && (await ledger.head()) === 0) {
      current = { ...current, active: await ProjectionVersions.createActive(db, name, codeVersion) };
    }
    const foreignBuild = current.building !== null && current.building.codeVersion !== codeVersion;
    if (foreignBuild || (!current.building && current.active?.codeVersion !== codeVersion)) {
      current = { ...current, building: await ProjectionVersions.startBuilding(db, name, codeVersion, { replaceForeign: true }) };
    }
    if (current.building?.version !== building?.version) buildReader.reset();
    active = current.active;
    building = current.building;
  }

  /** One turn of the leader: a live batch, a rebuild batch, housekeeping. True if it did anything. */
  async function turn(): Promise<boolean> {
    if (registryDirty) {
      registryDirty = false;
      await syncRegistry();
    }
    let worked = await liveStep();
    if (building) worked = (await buildStep()) || worked;
    if (Date.now() >= nextDropCheck) {
      nextDropCheck = Date.now() + dropCheckEveryMs;
      await ProjectionVersions.dropRetired(db, name, dropRetiredAfterMs);
    }
    return worked;
  }

  async function liveStep(): Promise<boolean> {
    const target = active;
    if (!target) return false;
    const page = await liveReader.read(target.version, target.position, batchSize, head);
    head = Math.max(head, target.position, page[page.length - 1]?.position ?? 0);
    if (page.length === 0 || !lock?.held) return false;
    await apply(target, page, false);
    // After a short page the loop reads again only when woken — not once more per batch to find
    // nothing. The page holds every commit announced before this call (`head`: the reader hands
    // out no read started before them), and one announced since the turn began has signalled.
    return page.length === batchSize;
  }

  async function buildStep(): Promise<boolean> {
    const target = building!;
    const page = await buildReader.read(target.version, target.position, rebuildBatchSize);
    if (page.length > 0) {
      if (!lock?.held || !(await apply(target, page, true))) return false;
      if (page.length === rebuildBatchSize) return true;
    }
    const built = building!;
    // Caught up (or nearly): the table gets the indexes queries need before it serves them.
    if (indexed !== built.version) {
      await table.createIndexes(db, built.table);
      // Statistics before the first query: a rebuilt table nobody analyzed yet gets plans from
      // guesses (and, with JIT on, a compile per lookup) until autovacuum gets to it.
      await sql`analyze ${sql.table(built.table)}`.execute(db);
      indexed = built.version;
      return true;
    }
    // This turn's live step ran first, so the build has folded as far as the active table has;
    // under a steady stream of appends the build never sees an empty page, and need not.
    if (built.position < (active?.position ?? 0)) return page.length > 0;
    if (!(await ProjectionVersions.activate(db, name, built.version))) {
      registryDirty = true;
      return true;
    }
    const switched = { ...built, status: 'active' as const };
    rememberActiveTables(db, [switched]);
    if (active) filters.delete(active.version);
    active = switched;
    building = null;
    buildReader.reset();
    liveReader.reset();
    nextDropCheck = Date.now() + dropRetiredAfterMs;
    options.onSwitched?.(switched);
    return true;
  }

  /** Applies a page to a version; false if the checkpoint was not where this daemon left it. */
  async function apply(target: ProjectionVersion, page: LedgerEvent[], rebuilding: boolean): Promise<boolean> {
    const from = target.position;
    if (from === 0 && !filters.has(target.version)) filters.set(target.version, createKeyFilter());
    const outcome = await applyBatch(db, projection, table, target, page, ctx, { known: filters.get(target.version), durable: !rebuilding });
    if (!outcome.ok) {
      // Someone else moved the checkpoint: we are not (or no longer) the only leader.
      forgetProgress();
      return false;
    }
    const moved = { ...target, position: outcome.to };
    if (rebuilding) building = moved;
    else active = moved;
    options.onApplied?.({ name, version: target.version, from, to: outcome.to, events: page.length, changed: outcome.changed, rebuilding });
    return true;
  }

  let running: Promise<void> | null = null;
  let stopping: Promise<void> | null = null;
  const daemon: ProjectionDaemon = {
    start() {
      running ??= loop();
      return daemon;
    },
    status(): ProjectionStatus {
      const checkpoint = active?.position ?? 0;
      return {
        name,
        version: active?.version ?? null,
        codeVersion,
        checkpoint,
        head: Math.max(head, checkpoint),
        lag: Math.max(head - checkpoint, 0),
        leader: Boolean(lock?.held),
        rebuilding: building ? { version: building.version, checkpoint: building.position } : null,
        lastError,
      };
    },
    stop(): Promise<void> {
      stopping ??= (async () => {
        stopped = true;
        unsubscribeAppends();
        interrupt?.();
        await running;
        buildReader.reset();
        filters.clear();
        await unsubscribeRebuilds();
        await lock?.release();
        lock = null;
      })();
      return stopping;
    },
  };
  return daemon;
}

/** A batch's rows live in memory until its transaction commits: this bounds them. */
export const MAX_BATCH_EVENTS = 50_000;

function clampBatch(size: number): number {
  return Math.min(Math.max(Math.trunc(size), 1), MAX_BATCH_EVENTS);
}
