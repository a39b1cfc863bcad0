import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';

/**
 * One JSON line per request: method, route pattern (never the query string, which carries
 * signatures and codes), status, duration, appid, request id. Also the request metrics.
 */
export function requestLog(logger: Logger, metrics: Metrics): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    const requestId = c.req.header('x-request-id') ?? randomUUID();
    c.header('x-request-id', requestId);
    await next();
    const route = routePath(c, -1) || 'unmatched';
    const ms = performance.now() - started;
    const status = c.res.status;
    metrics.httpRequests.inc({ method: c.req.method, route, status: String(status) });
    metrics.httpDuration.observe({ method: c.req.method, route }, ms / 1000);
    if (route === '/healthz' || route === '/metrics') return;
    logger.info({ method: c.req.method, route, status, ms: Math.round(ms * 10) / 10, appid: appidIn(c.req.path), requestId }, 'request');
  };
}

const APPID_IN_PATH = /\/(?:wechat|miniprogram|oauth|accounts)\/([^/]+)/;

function appidIn(path: string): string | undefined {
  return APPID_IN_PATH.exec(path)?.[1];
}
