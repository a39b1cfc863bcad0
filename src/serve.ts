import type { Server } from 'node:http';
import { serve as serveHttp } from '@hono/node-server';
import type { Config, HttpSettings } from './config/schema.ts';
import { createService, type Service } from './createService.ts';
import { createApp, type RouteModule } from './http/createApp.ts';
import type { Logger } from './observability/logger.ts';
import { jobRoutes } from './http/jobRoutes.ts';
import { startJobRunner, type JobRunnerOptions } from './jobs/index.ts';
import { trackInFlight } from './http/drainHttpServer.ts';

export type RunningServer = { service: Service; url: string; port: number; hostname: string; close(): Promise<void> };

/** Starts one service instance with its HTTP server; `close` drains both. */
export async function startServer(config: Config, options: { extraRoutes?: RouteModule[]; logger?: Logger; jobs?: JobRunnerOptions } = {}): Promise<RunningServer> {
  const service = await createService(config, options.logger ? { logger: options.logger } : {});
  // An api instance (LEDGER_ROLE=api) leaves the ledger consumer and the jobs to an `all` one.
  const jobs = service.background ? startJobRunner(service, options.jobs ?? {}) : null;
  const app = createApp(service, [jobRoutes, ...(options.extraRoutes ?? [])]);
  // The demo configuration's API key is public: never reachable from another machine.
  const hostname = config.usingDemoConfig ? '127.0.0.1' : (process.env.HOST ?? '0.0.0.0');
  const server = await new Promise<ReturnType<typeof serveHttp>>((resolve) => {
    const s = serveHttp({ fetch: app.fetch, port: config.port, hostname, serverOptions: serverOptionsOf(config.http) }, () => resolve(s));
  });
  // Past this many open sockets Node drops new connections at once instead of queueing them.
  server.maxConnections = config.http.maxConnections;
  const http = trackInFlight(server as Server);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  return {
    service,
    port,
    hostname: typeof address === 'object' && address ? address.address : hostname,
    url: `http://127.0.0.1:${port}`,
    async close() {
      await http.drain();
      await jobs?.stop();
      await service.close();
    },
  };
}

/**
 * Node 20 holds a connection that trickles its headers or body for up to 300 s, and looks for
 * expired ones only every 30 s (`connectionsCheckingInterval`); WeChat gives up on a push after
 * 5 s. `requestTimeout` bounds receiving a request — Node stops the clock once the request is
 * complete — so answers streamed for longer (/v1/events NDJSON) are not cut.
 */
function serverOptionsOf(http: HttpSettings) {
  const headersTimeout = http.headersTimeoutSeconds * 1000;
  return {
    headersTimeout,
    requestTimeout: http.requestTimeoutSeconds * 1000,
    keepAliveTimeout: http.keepAliveTimeoutSeconds * 1000,
    connectionsCheckingInterval: Math.max(100, Math.min(1000, headersTimeout / 4)),
  };
}
