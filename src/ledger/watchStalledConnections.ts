import type pg from 'pg';

export type StallWatch = { stop(): void };

/**
 * Turns a frozen database into errors. A server whose processes stop (SIGSTOP, a VM paused, a
 * storage hang) keeps its TCP connections open — the kernel still acknowledges — so a statement
 * sent to it waits forever, and `statement_timeout` cannot fire on a server that does not run.
 * A client-side timeout per statement would also kill long statements on a healthy server
 * (a rebuild, a reconciliation diff, a migration), so this asks the server instead: when a pooled
 * connection has been checked out for `stallMs`, `probe` opens a fresh connection and runs
 * `select 1` (bounded by its own timeouts). A healthy server answers and nothing happens; if it
 * does not, every connection of the pool is dropped — their statements fail as connection
 * errors (503 for a push, a retry for background work) and the pool reconnects once the server
 * is back. At most one probe per `stallMs`.
 */
export function watchStalledConnections(pool: pg.Pool, options: { stallMs: number; probe: () => Promise<void>; onUnresponsive?: () => void }): StallWatch {
  const { stallMs } = options;
  const clients = new Set<pg.PoolClient>();
  const checkedOut = new Map<pg.PoolClient, number>();
  pool.on('connect', (client) => clients.add(client as pg.PoolClient));
  pool.on('remove', (client) => {
    clients.delete(client as pg.PoolClient);
    checkedOut.delete(client as pg.PoolClient);
  });
  pool.on('acquire', (client) => checkedOut.set(client, performance.now()));
  pool.on('release', (_error: Error, client: pg.PoolClient) => checkedOut.delete(client));

  let probing = false;
  let lastProbe = -Infinity;
  const check = () => {
    const now = performance.now();
    if (probing || now - lastProbe < stallMs) return;
    let stalled = false;
    for (const since of checkedOut.values()) if (now - since >= stallMs) stalled = true;
    if (!stalled) return;
    probing = true;
    lastProbe = now;
    options.probe().then(
      () => {
        probing = false;
      },
      () => {
        probing = false;
        options.onUnresponsive?.();
        // Destroying the socket is what unblocks a statement waiting on a frozen server; ending
        // the client politely would wait for the server's reply.
        for (const client of clients) client.connection.stream.destroy();
      },
    );
  };
  const timer = setInterval(check, Math.max(50, Math.floor(stallMs / 4)));
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
    },
  };
}
