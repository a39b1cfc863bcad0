import { Hono } from 'hono';
import type { Service } from '../createService.ts';
import { pendingMigrations } from '../ledger/migrate.ts';

/** Liveness, readiness and Prometheus metrics: unauthenticated, as probes and scrapers expect. */
export function healthRoutes(service: Service) {
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const checks: Record<string, unknown> = {};
    let ready = true;
    try {
      await service.storage.ping();
      const pending = await pendingMigrations(service.storage.db);
      checks.database = { ok: true, kind: service.storage.kind };
      checks.migrations = { ok: pending.length === 0, pending };
      ready &&= pending.length === 0;
    } catch (error) {
      // Unauthenticated route: the reason goes to the log, not to whoever asks.
      service.logger.warn({ err: (error as Error).message }, 'readiness: database unreachable');
      checks.database = { ok: false, error: 'unreachable' };
      ready = false;
    }
    const relay = service.relay.status();
    checks.relay = { ...relay, lag: Math.max(0, relay.head - relay.cursor) };
    checks.projections = service.projections.status().map(({ name, version, checkpoint, lag, leader, rebuilding, lastError }) => ({
      name,
      version,
      checkpoint,
      lag,
      leader,
      rebuilding,
      lastError,
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
