import type pg from 'pg';

export type StallWatch = {
  /** True from a failed probe until the next one the server answers: connections are refused meanwhile. */
  readonly unresponsive: boolean;
  stop(): void;
};

/**
 * Turns a frozen database into errors. A server whose processes stop (SIGSTOP, a VM paused, a
 * storage hang) keeps its TCP connections open — the kernel still acknowledges — so a statement
 * sent to it waits forever, and `statement_timeout` cannot fire on a server that does not run.
 * A client-side timeout per statement would also kill long statements on a healthy server
 * (a rebuild, a reconciliation diff, a migration), so this asks the server instead: when a pooled
 * connection has been checked out for `stallMs`, `probe` runs `select 1` on a connection of its
 * own (bounded by its own timeout). A healthy server answers and nothing happens — nor when the
 * stalled connections came back meanwhile (a slow moment, not a frozen server). Otherwise every
 * connection of the pool is dropped, so their statements fail as connection errors (503 for a
 * push, a retry for background work), and the database counts as unresponsive — new work fails
 * at once instead of queueing on it — until a probe, repeated every `stallMs`, is answered.
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

  let unresponsive = false;
  let probing = false;
  let lastProbe = Number.NEGATIVE_INFINITY;
  const dropAll = () => {
    // Destroying the socket is what unblocks a statement waiting on a frozen server; ending the
    // client politely would wait for the server's reply.
    for (const client of clients) client.connection.stream.destroy();
  };
  const check = () => {
    const now = performance.now();
    if (probing || now - lastProbe < stallMs) return;
    const stalled = [...checkedOut].filter(([, since]) => now - since >= stallMs);
    if (!unresponsive && stalled.length === 0) return;
    probing = true;
    lastProbe = now;
    options.probe().then(
      () => {
        probing = false;
        unresponsive = false;
      },
      () => {
        probing = false;
        if (unresponsive) return dropAll();
        if (!stalled.some(([client, since]) => checkedOut.get(client) === since)) return;
        unresponsive = true;
        options.onUnresponsive?.();
        dropAll();
      },
    );
  };
  const timer = setInterval(check, Math.max(50, Math.floor(stallMs / 4)));
  timer.unref();
  return {
    get unresponsive() {
      return unresponsive;
    },
    stop() {
      clearInterval(timer);
    },
  };
}
