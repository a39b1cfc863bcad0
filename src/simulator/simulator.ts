import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { adminRoutes } from './adminRoutes.ts';
import { loginRoutes } from './loginRoutes.ts';
import { migrationRoutes } from './migrationRoutes.ts';
import { createSimulatorCore, type SimulatorOptions } from './simulatorCore.ts';
import { createSimulatorState, type SimulatorState } from './simulatorState.ts';
import { tokenRoutes } from './tokenRoutes.ts';
import { userRoutes } from './userRoutes.ts';

export type { SimulatedAccount, SimulatorOptions } from './simulatorCore.ts';
export type { FaultOptions } from './faults.ts';
export type { SimulatorState } from './simulatorState.ts';

export type RunningSimulator = { url: string; port: number; close(): Promise<void> };

export type Simulator = {
  app: Hono;
  state: SimulatorState;
  /** Port 0 picks a free one; binds 127.0.0.1 unless `hostname` says otherwise. */
  listen(port?: number, hostname?: string): Promise<RunningSimulator>;
};

/** An HTTP server that behaves like the WeChat APIs the ledger uses (shared/DESIGN.md §5). */
export function createSimulator(options: SimulatorOptions): Simulator {
  const core = createSimulatorCore(options);
  const state = createSimulatorState(core);
  const app = new Hono();
  app.route('/', tokenRoutes(core));
  app.route('/', loginRoutes(core));
  app.route('/', userRoutes(core));
  app.route('/', migrationRoutes(core));
  app.route('/', adminRoutes(state));

  return {
    app,
    state,
    listen(port = 0, hostname = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        const server = serve({ fetch: app.fetch, port, hostname }, (info: AddressInfo) => {
          const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
          resolve({
            url: `http://${host}:${info.port}`,
            port: info.port,
            close: () =>
              new Promise<void>((done, fail) => {
                // Keep-alive sockets would hold close() open until they time out.
                if ('closeAllConnections' in server) server.closeAllConnections();
                server.close((error) => (error ? fail(error) : done()));
              }),
          });
        });
        server.once('error', reject);
      });
    },
  };
}
