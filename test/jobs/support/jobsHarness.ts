import { parseConfigFile } from '../../../src/config/loadConfig.ts';
import type { Config } from '../../../src/config/schema.ts';
import { createService, type Service } from '../../../src/createService.ts';
import type { LedgerEvent, NewEvent } from '../../../src/ledger/events.ts';
import type { ReadFilter } from '../../../src/ledger/readEvents.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { createSimulator, type SimulatedAccount, type Simulator, type SimulatorOptions } from '../../../src/simulator/simulator.ts';
import type { ProjectionRunner } from '../../../projections/projectionRunner.ts';
import { getJob } from '../../../src/jobs/store/readJobs.ts';
import { startJobRunner, type JobRunner } from '../../../src/jobs/runner/startJobRunner.ts';
import type { JobSettings } from '../../../src/jobs/jobSettings.ts';
import type { Job } from '../../../src/jobs/job.ts';
import { createTestDatabase } from '../../support/testDatabase.ts';
import { until } from '../../support/until.ts';

export const OA = 'wxjobs0000000oa01';
export const OLD_OA = 'wxjobs000000old01';
export const NEW_OA = 'wxjobs000000new01';
export const MP = 'wxjobs0000000mp01';
export const OLD_GH = 'gh_jobsold0001';
export const SEED = 'jobs';

/** Times short enough for tests: a dead holder's lease runs out in 2 s, retries back off in ms. */
export const TEST_SETTINGS: Partial<JobSettings> = {
  leaseMs: 2000,
  pollMs: 100,
  retry: { attempts: 4, baseMs: 20, maxMs: 200 },
  projectionWaitMs: 30_000,
};

export type AccountSpec = {
  appid: string;
  kind: 'oa' | 'mp';
  followers?: number;
  originalId?: string;
  migratedFrom?: { appid: string; migratedAt?: string };
};

export type JobsHarness = {
  service: Service;
  config: Config;
  databaseUrl: string;
  simulatorUrl: string;
  simulator: Simulator;
  projections: ProjectionRunner;
  readonly runner: JobRunner | null;
  append(...events: NewEvent[]): Promise<number>;
  /** Waits until the job is neither queued nor running. */
  settled(jobId: string, timeoutMs?: number): Promise<Job>;
  events(filter: ReadFilter): Promise<LedgerEvent[]>;
  /** A second instance on the same database and simulator (fresh WeChat clients, e.g. after a quota reset). */
  anotherService(): Promise<Service>;
  stopRunner(): Promise<void>;
  close(): Promise<void>;
};

/**
 * A service on a fresh PostgreSQL database (with its projections), the WeChat simulator
 * and (unless `runner: false`) a job runner — everything the jobs touch, nothing over HTTP.
 */
export async function startJobsHarness(
  options: {
    accounts?: AccountSpec[];
    runner?: boolean;
    settings?: Partial<JobSettings>;
    callsPerSecond?: number;
    simulator?: Partial<Omit<SimulatorOptions, 'accounts'>>;
    /** The embedded default (PGlite in memory) instead of PostgreSQL. */
    embedded?: boolean;
  } = {},
): Promise<JobsHarness> {
  const specs = options.accounts ?? [
    { appid: OA, kind: 'oa', followers: 50, originalId: 'gh_jobsoa0001' },
    { appid: MP, kind: 'mp' },
  ];
  const simulated: SimulatedAccount[] = specs.map((spec) => ({
    appid: spec.appid,
    secret: `${spec.appid}-secret`,
    kind: spec.kind,
    seed: SEED,
    ...(spec.originalId ? { originalId: spec.originalId } : {}),
    ...(spec.followers !== undefined ? { followers: { count: spec.followers } } : {}),
    ...(spec.migratedFrom
      ? { migration: { fromAppid: spec.migratedFrom.appid, migratedAt: spec.migratedFrom.migratedAt ?? new Date(Date.now() - 86_400_000).toISOString() } }
      : {}),
  }));
  const simulator = createSimulator({ accounts: simulated, ...options.simulator });
  const running = await simulator.listen(0);
  const database = options.embedded ? { url: '', drop: async () => {} } : await createTestDatabase('jobs');
  const file = parseConfigFile({
    accounts: specs.map((spec) => ({
      appid: spec.appid,
      kind: spec.kind,
      secret: `${spec.appid}-secret`,
      ...(spec.originalId ? { originalId: spec.originalId } : {}),
      ...(spec.migratedFrom ? { migratedFrom: spec.migratedFrom } : {}),
      // The jobs' tests write withdrawals straight into the ledger as history: keep the people
      // (erasure's own tests are in test/erasure/).
      erasure: { onUnsubscribe: 'keep', onRevoke: 'keep', onCancellation: 'keep' },
    })),
    apiKeys: [{ key: 'jobs-admin-key-0123456789', scopes: ['admin'] }],
    wechat: { apiBase: running.url, callsPerSecond: options.callsPerSecond ?? 1000 },
    // A fixed key for tests and benchmarks only (production requires a configured one).
    masterKey: 'ZTJlIG1hc3RlciBrZXkgZm9yIHRlc3RzIG9ubHkhISE=',
  });
  const config: Config = { ...file, databaseUrl: database.url || null, natsUrl: null, port: 0, dataDir: options.embedded ? 'memory://' : './data' };
  // The tests append pushes as history (`followPush`): no lookups after them, whatever the jobs find.
  const service = await createService(config, { logger: createLogger({ level: process.env.LOG_LEVEL ?? 'silent' }), unionidLookups: false });
  // The service runs the projections itself; the jobs (and the tests) wait on them.
  const projections = service.projections;
  const settings = { ...TEST_SETTINGS, ...options.settings };
  let runner = options.runner === false ? null : startJobRunner(service, { projections, settings });
  const others: Service[] = [];

  return {
    service,
    config,
    databaseUrl: database.url,
    simulatorUrl: running.url,
    simulator,
    projections,
    get runner() {
      return runner;
    },
    async stopRunner() {
      await runner?.stop();
      runner = null;
    },
    async append(...events) {
      const result = await service.ledger.append(events);
      const position = Math.max(0, ...result.events.map((e) => e.position));
      await projections.waitFor(position);
      return position;
    },
    async settled(jobId, timeoutMs = 30_000) {
      let job: Job | null = null;
      return until(
        async () => {
          job = await getJob(service.storage.db, jobId);
          return job && job.status !== 'queued' && job.status !== 'running' ? job : null;
        },
        timeoutMs,
        () => `job ${jobId} to settle: ${JSON.stringify(job)}`,
        50,
      );
    },
    async events(filter) {
      const all: LedgerEvent[] = [];
      let after = 0;
      for (;;) {
        const page = await service.ledger.read({ ...filter, after, limit: 10_000 });
        all.push(...page);
        if (page.length < 10_000) return all;
        after = page[page.length - 1]!.position;
      }
    },
    async anotherService() {
      const other = await createService(config, { logger: createLogger({ level: process.env.LOG_LEVEL ?? 'silent' }), unionidLookups: false });
      others.push(other);
      return other;
    },
    async close() {
      await runner?.stop();
      for (const other of others) await other.close();
      await service.close();
      await running.close();
      await database.drop();
    },
  };
}

/** A webhook-like follow event, as ingest appends it (CreateTime = `at`). */
export function followPush(appid: string, openid: string, event: 'subscribe' | 'unsubscribe', at: Date): NewEvent {
  const seconds = Math.floor(at.getTime() / 1000);
  return {
    type: event === 'subscribe' ? 'follow.subscribed' : 'follow.unsubscribed',
    data: { appid, openid },
    meta: { source: 'webhook', idempotencyKey: `push:${appid}:${openid}:${seconds}:${event}` },
    occurredAt: new Date(seconds * 1000),
  } as NewEvent;
}
