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
  // Every field of the line is a number or a string already checked (or a route pattern), and
  // the logger's redaction paths (`*.secret`, …) name properties of objects: there is nothing in
  // it to redact, and walking the paths for every field was about 3 % of a lookup's CPU.
  const lines = logger.child({}, { redact: [] });
  return async (c, next) => {
    const started = performance.now();
    const requestId = acceptedRequestId(c.req.header('x-request-id')) ?? randomUUID();
    c.header('x-request-id', requestId);
    await next();
    const route = routePath(c, -1) || 'unmatched';
    const ms = performance.now() - started;
    const status = c.res.status;
    metrics.httpRequests.inc({ method: c.req.method, route, status: String(status) });
    metrics.httpDuration.observe({ method: c.req.method, route }, ms / 1000);
    if (route === '/healthz' || route === '/metrics') return;
    lines.info({ method: c.req.method, route, status, ms: Math.round(ms * 10) / 10, appid: appidIn(c.req.path), requestId }, 'request');
  };
}

const APPID_IN_PATH = /\/(?:wechat|miniprogram|oauth|accounts)\/([^/]+)/;
const LOGGABLE_APPID = /^[A-Za-z0-9_-]{1,64}$/;

/** The path's appid, if it looks like one: whatever else a client put there stays out of the log. */
function appidIn(path: string): string | undefined {
  const appid = APPID_IN_PATH.exec(path)?.[1];
  return appid !== undefined && LOGGABLE_APPID.test(appid) ? appid : undefined;
}

/**
 * A caller's request id is logged and echoed back, so it must not be able to forge log lines,
 * smuggle markup into a dashboard or bloat every line: up to 128 characters of a UUID's, a
 * trace id's or base64's alphabet. Anything else is replaced by a fresh id.
 */
const REQUEST_ID = /^[A-Za-z0-9._:/+=-]{1,128}$/;

export function acceptedRequestId(presented: string | undefined): string | undefined {
  return presented !== undefined && REQUEST_ID.test(presented) ? presented : undefined;
}
