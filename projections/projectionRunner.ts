import { EventEmitter } from 'node:events';
import { createLedgerConsumer, type LedgerConsumer } from '../src/ledger/consumer/ledgerConsumer.ts';
import type { LedgerPage } from '../src/ledger/consumer/processor.ts';
import type { Ledger } from '../src/ledger/ledger.ts';
import { dailyStats } from './dailyStats/index.ts';
import { followState } from './followState/index.ts';
import { identityLinks } from './identityLinks/index.ts';
import { createLiveProjections, type AppliedBatch } from './liveProjections.ts';
import { createProjectionRebuild } from './projectionRebuild.ts';
import type { Projection, ProjectionContext, ProjectionName } from './projection.ts';
import { ProjectionLagError, RebuildAbandonedError } from './projectionErrors.ts';
import { readProjectionEvents } from './readProjectionEvents.ts';
import { onRebuildRequested, signalRebuild } from './rebuildSignal.ts';
import { rememberActiveTables } from './store/activeTable.ts';
import { ProjectionVersions, type ProjectionVersion } from './store/projectionVersions.ts';
import { createSwitchLock } from './switchLock.ts';

export type { AppliedBatch } from './liveProjections.ts';

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

export type ProjectionRunnerOptions = {
  ledger: Ledger;
  ctx: ProjectionContext;
  /** Defaults to every projection; tests swap in a descriptor with another codeVersion. */
  projections?: readonly Projection<any>[];
  /**
   * The consumer the live projections run on — the service's, shared with the outbox relay and
   * the unionid reactor. Without one the runner has a consumer of its own for them.
   */
  consumer?: LedgerConsumer;
  /** Events per live page (on a consumer of the runner's own). */
  batchSize?: number;
  /** Events per rebuild page (big: per-page round trips add up over millions of events). */
  rebuildBatchSize?: number;
  /** Pause after an error; a passive instance tries to become leader every 2 × retryMs (the runner's own consumers). */
  retryMs?: number;
  /** The runner's own consumers read again after this long without a commit (a notification may be lost). */
  safetyPollMs?: number;
  /** How long a retired version's table survives the switch (queries in flight keep working). */
  dropRetiredAfterMs?: number;
  onApplied?: (batch: AppliedBatch) => void;
  /** The active version changed (a rebuild finished). */
  onSwitched?: (version: ProjectionVersion) => void;
  onError?: (error: Error) => void;
  /** How often a process that leads no projection re-reads checkpoints while someone waits. */
  followPollMs?: number;
};

export type RebuildStarted = { name: ProjectionName; version: number };

export type ProjectionRunner = {
  /** Starts the rebuild's consumer and the live projections' one (idempotent, also when it is shared). */
  start(): ProjectionRunner;
  status(): ProjectionStatus[];
  /**
   * What to report about the projections: `status()` once this runner was started; before that
   * — an instance that folds nothing itself (LEDGER_ROLE=api), whose own `status()` knows
   * nothing — each projection as the registry in the database has it (`leader: false`, no error
   * known here).
   */
  reportedStatus(): Promise<ProjectionStatus[]>;
  /**
   * Starts a blue/green rebuild (or joins the one under way) and, unless `wait: false`, resolves
   * once the new version serves queries, folded at least up to the head at the time of the call.
   */
  rebuild(name: ProjectionName, options?: { wait?: boolean; timeoutMs?: number }): Promise<RebuildStarted>;
  /**
   * Resolves once every projection has an active version folded up to `position` at least
   * (read-your-writes); `waitFor(0)` waits until queries can be answered at all.
   */
  waitFor(position: number, timeoutMs?: number): Promise<void>;
  /** Stops the rebuild's consumer, and the live one if it is the runner's own. */
  stop(): Promise<void>;
};

export const DEFAULT_PROJECTIONS: readonly Projection<any>[] = [identityLinks, followState, dailyStats];

/** A rebuild page's rows live in memory until its statement commits: this bounds them. */
export const MAX_BATCH_EVENTS = 50_000;

/**
 * The projections over two ledger consumers: the live one (its processor folds every page into
 * each projection's active version, in one statement) and the rebuild's, from position 0 into
 * the building versions; and the operations the HTTP layer and the jobs need over them.
 */
export function createProjectionRunner(options: ProjectionRunnerOptions): ProjectionRunner {
  const { ledger, ctx } = options;
  const storage = ledger.storage;
  const db = storage.db;
  const projections = options.projections ?? DEFAULT_PROJECTIONS;
  const followPollMs = options.followPollMs ?? 50;
  const clamp = (size: number) => Math.min(Math.max(Math.trunc(size), 1), MAX_BATCH_EVENTS);
  const progress = new EventEmitter();
  progress.setMaxListeners(0);
  const onError = options.onError ? (error: Error) => options.onError!(error) : undefined;

  // The folds look only at a few fields of an event: read only those (readProjectionEvents.ts).
  const narrowRead = async (after: number, limit: number): Promise<LedgerPage> => ({ events: await readProjectionEvents(ledger, after, limit) });
  const ownsLiveConsumer = !options.consumer;
  const liveConsumer =
    options.consumer ??
    createLedgerConsumer({
      ledger,
      name: 'projections',
      read: narrowRead,
      batchSize: options.batchSize ?? 5000,
      readLimit: MAX_BATCH_EVENTS,
      ...(options.retryMs !== undefined ? { retryMs: options.retryMs } : {}),
      ...(options.safetyPollMs !== undefined ? { safetyPollMs: options.safetyPollMs } : {}),
      ...(onError ? { onError } : {}),
    });
  const rebuildBatchSize = clamp(options.rebuildBatchSize ?? 10_000);
  const rebuildConsumer = createLedgerConsumer({
    ledger,
    name: 'projection-rebuild',
    read: narrowRead,
    batchSize: rebuildBatchSize,
    readLimit: MAX_BATCH_EVENTS,
    ...(options.retryMs !== undefined ? { retryMs: options.retryMs } : {}),
    ...(options.safetyPollMs !== undefined ? { safetyPollMs: options.safetyPollMs } : {}),
    ...(onError ? { onError } : {}),
  });

  const switchLock = createSwitchLock();
  const live = createLiveProjections({
    ledger,
    projections,
    ctx,
    switchLock,
    onApplied(batch) {
      options.onApplied?.(batch);
      progress.emit('progress');
    },
  });
  const rebuild = createProjectionRebuild({
    storage,
    projections,
    ctx,
    read: narrowRead,
    readLimit: rebuildBatchSize,
    switchLock,
    live,
    dropRetiredAfterMs: options.dropRetiredAfterMs ?? 30_000,
    onApplied(batch) {
      options.onApplied?.(batch);
      progress.emit('progress');
    },
    onSwitched(version) {
      // The live projections fold into the new version from its checkpoint on.
      liveConsumer.refresh(live);
      options.onSwitched?.(version);
      progress.emit('progress');
    },
    onStale: () => rebuildConsumer.refresh(rebuild),
    ...(onError ? { onError } : {}),
  });
  liveConsumer.add(live);
  rebuildConsumer.add(rebuild);

  const names = new Set(projections.map((p) => p.name));
  let unsubscribeRebuilds: (() => Promise<void>) | null = null;
  let started = false;

  /** Resolves on the next batch applied in this process, or after `ms`. */
  const progressOrTimeout = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        progress.off('progress', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      progress.on('progress', done);
    });

  function status(): ProjectionStatus[] {
    const consumer = liveConsumer.status();
    const processorError = (status: ReturnType<LedgerConsumer['status']>, name: string) => status.processors.find((p) => p.name === name)?.lastError ?? null;
    // A projection whose consumer cannot read the ledger (or hold its lock) is failing too.
    const lastError = processorError(consumer, live.name) ?? processorError(rebuildConsumer.status(), rebuild.name) ?? consumer.lastError;
    return live.versions().map(({ name, active, building }) => {
      const projection = projections.find((p) => p.name === name)!;
      const checkpoint = active?.position ?? 0;
      const built = rebuild.building(name) ?? building;
      return {
        name,
        version: active?.version ?? null,
        codeVersion: projection.codeVersion,
        checkpoint,
        head: Math.max(consumer.head, checkpoint),
        lag: Math.max(consumer.head - checkpoint, 0),
        leader: consumer.leader,
        rebuilding: built ? { version: built.version, checkpoint: built.position } : null,
        lastError,
      };
    });
  }

  /**
   * Leaders know their checkpoints; for the others the registry does (and refreshes the table
   * cache). A projection without an active version has reached nothing yet: -1.
   */
  async function checkpoints(): Promise<Record<string, number>> {
    const statuses = status();
    if (statuses.every((s) => s.leader && s.version !== null)) return Object.fromEntries(statuses.map((s) => [s.name, s.checkpoint]));
    const active = await ProjectionVersions.allActive(db);
    rememberActiveTables(db, active);
    return Object.fromEntries(projections.map(({ name }) => [name, active.find((v) => v.name === name)?.position ?? -1]));
  }

  const runner: ProjectionRunner = {
    start() {
      started = true;
      unsubscribeRebuilds ??= onRebuildRequested(storage, (requested) => {
        if (!names.has(requested)) return;
        live.markStale();
        rebuildConsumer.refresh(rebuild);
      });
      liveConsumer.start();
      rebuildConsumer.start();
      return runner;
    },

    status,

    async reportedStatus() {
      if (started) return status();
      const head = await ledger.head();
      return Promise.all(
        projections.map(async (projection) => {
          const { active, building } = await ProjectionVersions.current(db, projection.name);
          const checkpoint = active?.position ?? 0;
          return {
            name: projection.name,
            version: active?.version ?? null,
            codeVersion: projection.codeVersion,
            checkpoint,
            head: Math.max(head, checkpoint),
            lag: Math.max(head - checkpoint, 0),
            leader: false,
            rebuilding: building ? { version: building.version, checkpoint: building.position } : null,
            lastError: null,
          };
        }),
      );
    },

    async rebuild(name, rebuildOptions = {}) {
      const projection = projections.find((p) => p.name === name);
      if (!projection) throw new RangeError(`unknown projection ${name}`);
      const head = await ledger.head();
      const started = await ProjectionVersions.startBuilding(db, name, projection.codeVersion, { replaceForeign: false });
      await signalRebuild(storage, name);
      if (rebuildOptions.wait === false) return { name, version: started.version };
      const deadline = Date.now() + (rebuildOptions.timeoutMs ?? 10 * 60_000);
      for (;;) {
        const version = await ProjectionVersions.get(db, name, started.version);
        if (!version || version.status === 'retired') throw new RebuildAbandonedError(`rebuild of ${name} as version ${started.version} was abandoned`);
        if (version.status === 'active' && version.position >= head) return { name, version: started.version };
        if (Date.now() >= deadline) throw new ProjectionLagError(head, { [name]: version.position });
        await progressOrTimeout(100);
      }
    },

    async waitFor(position, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const reached = await checkpoints();
        if (Object.values(reached).every((checkpoint) => checkpoint >= position)) return;
        const left = deadline - Date.now();
        if (left <= 0) throw new ProjectionLagError(position, reached);
        await progressOrTimeout(Math.min(left, followPollMs));
      }
    },

    async stop() {
      await rebuildConsumer.stop();
      if (ownsLiveConsumer) await liveConsumer.stop();
      await unsubscribeRebuilds?.();
      unsubscribeRebuilds = null;
    },
  };
  return runner;
}
