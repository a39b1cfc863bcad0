import { serve as serveHttp } from '@hono/node-server';
import type { Config } from './config/schema.ts';
import { createService, type Service } from './createService.ts';
import { createApp, type RouteModule } from './http/createApp.ts';
import type { Logger } from './observability/logger.ts';
import { jobRoutes } from './http/jobRoutes.ts';
import { startJobRunner, type JobRunnerOptions } from './jobs/index.ts';

export type RunningServer = { service: Service; url: string; port: number; close(): Promise<void> };

/** Starts one service instance with its HTTP server; `close` drains both. */
export async function startServer(config: Config, options: { extraRoutes?: RouteModule[]; logger?: Logger; jobs?: JobRunnerOptions } = {}): Promise<RunningServer> {
  const service = await createService(config, options.logger ? { logger: options.logger } : {});
  const jobs = startJobRunner(service, options.jobs ?? {});
  const app = createApp(service, [jobRoutes, ...(options.extraRoutes ?? [])]);
  const server = await new Promise<ReturnType<typeof serveHttp>>((resolve) => {
    const s = serveHttp({ fetch: app.fetch, port: config.port, hostname: process.env.HOST ?? '0.0.0.0' }, () => resolve(s));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  return {
    service,
    port,
    url: `http://127.0.0.1:${port}`,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Idle keep-alive connections would hold close() open until their timeout.
      if ('closeIdleConnections' in server) server.closeIdleConnections();
      await closed;
      await jobs.stop();
      await service.close();
    },
  };
}
