import type { Server, ServerResponse } from 'node:http';

/**
 * Tracks a server's in-flight responses so `drain` can stop it quickly without cutting any:
 * `server.close()` stops accepting and waits for every connection to end, but a keep-alive
 * connection stays open after its last response until the keep-alive timeout (5 s in Node),
 * and with it the close. So while draining, a response whose headers are not yet sent goes out
 * with `Connection: close`, and each connection is closed as soon as it falls idle.
 */
export function trackInFlight(server: Pick<Server, 'on' | 'close' | 'closeIdleConnections'>) {
  const inFlight = new Set<ServerResponse>();
  let draining = false;
  const closeIdle = () => setImmediate(() => server.closeIdleConnections());
  const release = (res: ServerResponse) => {
    if (!draining) return;
    if (!res.headersSent) res.shouldKeepAlive = false;
    res.once('finish', closeIdle);
  };
  server.on('request', (_req, res: ServerResponse) => {
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
    release(res);
  });
  return {
    get inFlight() {
      return inFlight.size;
    },
    /** Resolves once the server is closed and every in-flight response has finished. */
    drain(): Promise<void> {
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      for (const res of inFlight) release(res);
      return closed;
    },
  };
}
