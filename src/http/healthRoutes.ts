import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Service } from '../createService.ts';
import { pendingMigrations } from '../ledger/migrate.ts';

/**
 * Readiness answers within this even when the database does not (a frozen server): a probe that
 * hangs is a failed probe, and orchestrators time out probes after about a second.
 */
export const READINESS_TIMEOUT_MS = 500;

/**
 * Liveness, readiness and Prometheus metrics: unauthenticated, as probes and scrapers expect. So
 * nothing here repeats an error's text (it names hosts, ports, SQL): readiness says which part
 * is failing; the reason is in the service log.
 */
export function healthRoutes(service: Service) {
  const app = new OpenAPIHono();
  documentHealth(app);
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const checks: Record<string, unknown> = {};
    let ready = true;
    const database = await withTimeout(async () => {
      await service.storage.ping();
      return pendingMigrations(service.storage.db);
    }, READINESS_TIMEOUT_MS);
    if (database.ok) {
      const pending = database.value;
      checks.database = { ok: true, kind: service.storage.kind };
      checks.migrations = { ok: pending.length === 0, pending };
      ready &&= pending.length === 0;
    } else {
      if (database.error) service.logger.warn({ err: (database.error as Error).message }, 'readiness: database unreachable');
      else service.logger.warn({ timeoutMs: READINESS_TIMEOUT_MS }, 'readiness: the database did not answer in time');
      checks.database = { ok: false, error: database.error ? 'unreachable' : 'timeout' };
      ready = false;
    }
    const { lastError: relayError, ...relay } = service.relay.status();
    checks.relay = { ...relay, lag: Math.max(0, relay.head - relay.cursor), failing: relayError !== null };
    // An instance that folds nothing itself (LEDGER_ROLE=api) reports from the registry in the
    // database — when the database answers; else what this process knows.
    const reported = database.ok ? await withTimeout(() => service.projections.reportedStatus(), READINESS_TIMEOUT_MS) : null;
    const projectionStatus = reported?.ok ? reported.value : service.projections.status();
    checks.projections = projectionStatus.map(({ name, version, checkpoint, lag, leader, rebuilding, lastError }) => ({
      name,
      version,
      checkpoint,
      lag,
      leader,
      rebuilding,
      failing: lastError !== null,
    }));
    // Everything that follows the ledger (relay, projections, the unionid and erasure reactors):
    // a failing one does not make the instance unready — it still answers — but shows here.
    const consumer = service.consumer.status();
    checks.processors = consumer.processors.map(({ name, position, lastError }) => ({
      name,
      position,
      lag: position === null ? null : Math.max(0, consumer.head - position),
      failing: lastError !== null,
    }));
    return c.json({ status: ready ? 'ready' : 'not_ready', role: service.config.role ?? 'all', checks }, ready ? 200 : 503);
  });
  app.get('/metrics', async (c) => {
    c.header('content-type', service.metrics.registry.contentType);
    return c.body(await service.metrics.registry.metrics());
  });
  return app;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown | null };

/** `work`'s outcome, or a failure without error (null) once `ms` passed; `work` is not awaited further. */
async function withTimeout<T>(work: () => Promise<T>, ms: number): Promise<Outcome<T>> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Outcome<T>>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, error: null }), ms);
  });
  const done = work().then(
    (value): Outcome<T> => ({ ok: true, value }),
    (error: unknown): Outcome<T> => ({ ok: false, error: error ?? new Error('failed') }),
  );
  try {
    return await Promise.race([done, late]);
  } finally {
    clearTimeout(timer);
  }
}

const READY_EXAMPLE = {
  status: 'ready',
  role: 'all',
  checks: {
    database: { ok: true, kind: 'postgres' },
    migrations: { ok: true, pending: [] },
    relay: { publisher: 'nats', leader: true, connected: true, cursor: 4822, head: 4822, lastPublishedAt: '2025-03-14T08:26:53.530Z', lag: 0, failing: false },
    projections: [
      { name: 'identity-links', version: 3, checkpoint: 4822, lag: 0, leader: true, rebuilding: null, failing: false },
      { name: 'follow-state', version: 2, checkpoint: 4822, lag: 0, leader: true, rebuilding: null, failing: false },
    ],
    processors: [
      { name: 'outbox-relay:nats', position: 4822, lag: 0, failing: false },
      { name: 'projections', position: 4822, lag: 0, failing: false },
      { name: 'unionid-reactor', position: 4822, lag: 0, failing: false },
      { name: 'erasure-reactor', position: 4822, lag: 0, failing: false },
    ],
  },
};

const NOT_READY_EXAMPLE = {
  status: 'not_ready',
  role: 'all',
  checks: {
    database: { ok: false, error: 'timeout' },
    relay: { publisher: 'nats', leader: true, connected: false, cursor: 4790, head: 4822, lastPublishedAt: '2025-03-14T08:20:11.004Z', lag: 32, failing: true },
    projections: [
      { name: 'identity-links', version: 3, checkpoint: 4822, lag: 0, leader: true, rebuilding: null, failing: false },
      { name: 'follow-state', version: 2, checkpoint: 4822, lag: 0, leader: true, rebuilding: null, failing: false },
    ],
    processors: [
      { name: 'outbox-relay:nats', position: 4790, lag: 32, failing: true },
      { name: 'projections', position: 4822, lag: 0, failing: false },
      { name: 'unionid-reactor', position: 4822, lag: 0, failing: false },
      { name: 'erasure-reactor', position: 4801, lag: 21, failing: true },
    ],
  },
};

const Readiness = z
  .object({
    status: z.enum(['ready', 'not_ready']),
    role: z.enum(['all', 'api']).openapi({ description: "LEDGER_ROLE: `api` instances run no processor (their `processors` show `position: null`) and report the projections from the registry in the database" }),
    checks: z.record(z.string(), z.unknown()).openapi({
      description: 'database (`ok`, `kind` or `error`: `unreachable`/`timeout`), migrations (`pending`), relay and projections (`failing` flags, never error texts), processors: everything that follows the ledger — relay, projections, unionid and erasure reactors — with position, lag and `failing` (reported, not part of readiness)',
    }),
  })
  .openapi('Readiness', { example: READY_EXAMPLE });

/** For the OpenAPI document: probes and scrapers call these without an API key. */
function documentHealth(app: OpenAPIHono): void {
  const probe = 'Unauthenticated, for probes and scrapers.';
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/healthz',
    tags: ['Operations'],
    summary: 'Liveness: the process answers HTTP',
    description: `${probe} Never touches the database.`,
    security: [],
    responses: {
      200: { description: 'alive', content: { 'application/json': { schema: z.object({ status: z.literal('ok') }).openapi({ example: { status: 'ok' } }) } } },
    },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/readyz',
    tags: ['Operations'],
    summary: 'Readiness: database reachable and migrated; relay and projection state',
    description: `${probe} Answered within ${READINESS_TIMEOUT_MS} ms even when the database hangs. Only the database and the migrations decide readiness; relay and projections are reported (the relay's \`connected\` is false while NATS is down).`,
    security: [],
    responses: {
      200: { description: 'ready', content: { 'application/json': { schema: Readiness } } },
      503: { description: 'not ready: the database did not answer, or migrations are pending', content: { 'application/json': { schema: Readiness, example: NOT_READY_EXAMPLE } } },
    },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/metrics',
    tags: ['Operations'],
    summary: 'Prometheus metrics of this process',
    description: `${probe} The text exposition format; counters and histograms are per process (sum them over instances). README "Metrics" lists them; ops/grafana/identity-ledger.json is a dashboard of them.`,
    security: [],
    responses: {
      200: {
        description: 'the metrics',
        content: {
          'text/plain': {
            schema: z.string().openapi({
              example:
                '# HELP wechat_pushes_total WeChat pushes received\n# TYPE wechat_pushes_total counter\nwechat_pushes_total{appid="wx8f2a0c1b3d4e5f60",kind="subscribe",outcome="appended"} 1042\n',
            }),
          },
        },
      },
    },
  });
}
