import { EventEmitter } from 'node:events';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { watchStalledConnections } from '../../src/ledger/watchStalledConnections.ts';
import { until } from '../support/until.ts';

/** A pool that only emits pg-pool's events, and clients whose sockets record being destroyed. */
function fakePool() {
  const pool = new EventEmitter();
  const client = () => {
    const stream = { destroyed: false, destroy() { stream.destroyed = true; } };
    const c = { connection: { stream } } as unknown as pg.PoolClient;
    pool.emit('connect', c);
    return { client: c, stream };
  };
  return { pool: pool as unknown as pg.Pool, emitter: pool, client };
}

describe('the stalled-connection watch', () => {
  it('drops every connection and refuses new work when a stalled connection meets a silent server, until it answers again', async () => {
    const { pool, emitter, client } = fakePool();
    let serverAnswers = false;
    let probes = 0;
    const watch = watchStalledConnections(pool, { stallMs: 40, probe: async () => { probes++; if (!serverAnswers) throw new Error('no answer'); } });
    try {
      const busy = client();
      const idle = client();
      emitter.emit('acquire', busy.client);
      await until(() => watch.unresponsive, 2000, 'the watch to give up on the server');
      expect(busy.stream.destroyed && idle.stream.destroyed).toBe(true);
      serverAnswers = true;
      await until(() => !watch.unresponsive, 2000, 'the server to answer a probe again');
      expect(probes).toBeGreaterThanOrEqual(2);
    } finally {
      watch.stop();
    }
  });

  it('leaves the pool alone when the stalled connection comes back while the probe waits (a slow server)', async () => {
    const { pool, emitter, client } = fakePool();
    let settleProbe: (() => void) | null = null;
    const watch = watchStalledConnections(pool, { stallMs: 40, probe: () => new Promise<void>((_, reject) => (settleProbe = () => reject(new Error('slow'))) ) });
    try {
      const slow = client();
      emitter.emit('acquire', slow.client);
      await until(() => settleProbe !== null, 2000, 'a probe');
      emitter.emit('release', undefined, slow.client);
      settleProbe!();
      await new Promise((resolve) => setImmediate(resolve));
      expect(watch.unresponsive).toBe(false);
      expect(slow.stream.destroyed).toBe(false);
    } finally {
      watch.stop();
    }
  });
});
