import { Hono } from 'hono';
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
  const app = new Hono();
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
    checks.projections = service.projections.status().map(({ name, version, checkpoint, lag, leader, rebuilding, lastError }) => ({
      name,
      version,
      checkpoint,
      lag,
      leader,
      rebuilding,
      failing: lastError !== null,
    }));
    return c.json({ status: ready ? 'ready' : 'not_ready', checks }, ready ? 200 : 503);
  });
  app.get('/metrics', async (c) => {
    const relay = service.relay.status();
    service.metrics.relayLag.set(Math.max(0, relay.head - relay.cursor));
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
