import { EventEmitter } from 'node:events';
import type { Ledger } from '../src/ledger/ledger.ts';
import { followState } from './followState/index.ts';
import { identityLinks } from './identityLinks/index.ts';
import { createProjectionDaemon, type ProjectionDaemon, type ProjectionDaemonOptions, type ProjectionStatus } from './projectionDaemon.ts';
import type { Projection, ProjectionContext, ProjectionName } from './projection.ts';
import { ProjectionLagError, RebuildAbandonedError } from './projectionErrors.ts';
import { signalRebuild } from './rebuildSignal.ts';
import { rememberActiveTables } from './store/activeTable.ts';
import { ProjectionVersions } from './store/projectionVersions.ts';

export type ProjectionRunnerOptions = {
  ledger: Ledger;
  ctx: ProjectionContext;
  /** Defaults to both projections; tests swap in a descriptor with another codeVersion. */
  projections?: readonly Projection<any>[];
  /** Passed to every daemon. */
  daemon?: Omit<ProjectionDaemonOptions, 'ledger' | 'projection' | 'ctx'>;
  /** How often a process that leads no projection re-reads checkpoints while someone waits. */
  followPollMs?: number;
};

export type RebuildStarted = { name: ProjectionName; version: number };

export type ProjectionRunner = {
  start(): ProjectionRunner;
  status(): ProjectionStatus[];
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
  stop(): Promise<void>;
};

export const DEFAULT_PROJECTIONS: readonly Projection<any>[] = [identityLinks, followState];

/** Both projections' daemons in one process, and the operations the HTTP layer needs over them. */
export function createProjectionRunner(options: ProjectionRunnerOptions): ProjectionRunner {
  const { ledger, ctx } = options;
  const db = ledger.storage.db;
  const projections = options.projections ?? DEFAULT_PROJECTIONS;
  const followPollMs = options.followPollMs ?? 50;
  const progress = new EventEmitter();
  progress.setMaxListeners(0);
  const daemons = new Map<ProjectionName, { projection: Projection<any>; daemon: ProjectionDaemon }>();
  for (const projection of projections) {
    const daemon = createProjectionDaemon({
      ...options.daemon,
      ledger,
      projection,
      ctx,
      onApplied(batch) {
        options.daemon?.onApplied?.(batch);
        progress.emit('progress');
      },
      onSwitched(version) {
        options.daemon?.onSwitched?.(version);
        progress.emit('progress');
      },
    });
    daemons.set(projection.name, { projection, daemon });
  }

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

  /**
   * Leaders know their checkpoints; for the others the registry does (and refreshes the table
   * cache). A projection without an active version has reached nothing yet: -1.
   */
  async function checkpoints(): Promise<Record<string, number>> {
    const statuses = [...daemons.values()].map(({ daemon }) => daemon.status());
    if (statuses.every((s) => s.leader && s.version !== null)) return Object.fromEntries(statuses.map((s) => [s.name, s.checkpoint]));
    const active = await ProjectionVersions.allActive(db);
    rememberActiveTables(db, active);
    return Object.fromEntries([...daemons.keys()].map((name) => [name, active.find((v) => v.name === name)?.position ?? -1]));
  }

  const runner: ProjectionRunner = {
    start() {
      for (const { daemon } of daemons.values()) daemon.start();
      return runner;
    },

    status() {
      return [...daemons.values()].map(({ daemon }) => daemon.status());
    },

    async rebuild(name, rebuildOptions = {}) {
      const entry = daemons.get(name);
      if (!entry) throw new RangeError(`unknown projection ${name}`);
      const { codeVersion } = entry.projection;
      const head = await ledger.head();
      const started = await ProjectionVersions.startBuilding(db, name, codeVersion, { replaceForeign: false });
      await signalRebuild(ledger.storage, name);
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
      await Promise.all([...daemons.values()].map(({ daemon }) => daemon.stop()));
    },
  };
  return runner;
}
