import pg from 'pg';
import { activeTableName } from '../projections/store/activeTable.ts';
import { openStorage } from '../src/ledger/openStorage.ts';
import { startCpuMeter, type CpuSeconds } from './cpuMeter.ts';
import { quantile } from './quantile.ts';
import { QUERY_MP, QUERY_OA, mpOpenid, oaOpenid } from './queryPopulation.ts';

export type CeilingResult = { connections: number; table: string; answered: number; seconds: number; p50: number; p99: number; max: number; cpu: CpuSeconds };

/**
 * The query benchmark's ceiling: what PostgreSQL answers through `pg` when nothing but a
 * primary-key lookup stands between the caller and the table. `connections` closed loops, each
 * on its own connection, send a named (server-side prepared) `select … where appid = $1 and
 * openid = $2` on the identity-links table the service answers from, for a random person's OA
 * or MP openid, and the next one when the answer arrives. Every lookup must find its row: an
 * empty or wrong table would make a fast, meaningless ceiling.
 */
export async function measurePkSelectCeiling(databaseUrl: string, options: { connections: number; seconds: number; warmup: number; persons: number }): Promise<CeilingResult> {
  const storage = await openStorage({ databaseUrl, poolSize: 1 });
  let table: string;
  try {
    table = await activeTableName(storage.db, 'identity-links');
  } finally {
    await storage.close();
  }
  const clients = await Promise.all(
    Array.from({ length: options.connections }, async () => {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      // As the service's connections (openStorage): no JIT for short statements.
      await client.query('set jit = off');
      return client;
    }),
  );
  const text = `select * from ${clients[0]!.escapeIdentifier(table)} where appid = $1 and openid = $2`;
  try {
    const loop = async (seconds: number) => {
      const started = performance.now();
      const deadline = started + seconds * 1000;
      const latencies: number[] = [];
      await Promise.all(
        clients.map(async (client) => {
          while (performance.now() < deadline) {
            const i = Math.floor(Math.random() * options.persons);
            const values = Math.random() < 0.5 ? [QUERY_OA, oaOpenid(i)] : [QUERY_MP, mpOpenid(i)];
            const sent = performance.now();
            const { rowCount } = await client.query({ name: 'pk-lookup', text, values });
            latencies.push(performance.now() - sent);
            if (rowCount !== 1) throw new Error(`ceiling: ${values.join('/')} found ${rowCount} rows in ${table}`);
          }
        }),
      );
      return { latencies, seconds: (performance.now() - started) / 1000 };
    };
    await loop(options.warmup);
    // The loops run in this process: its CPU is the ceiling's client side ("load").
    const meter = await startCpuMeter(databaseUrl, { load: process.pid });
    const { latencies, seconds } = await loop(options.seconds);
    const cpu = await meter.stop();
    return { connections: options.connections, table, answered: latencies.length, seconds, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), max: quantile(latencies, 1), cpu };
  } finally {
    await Promise.all(clients.map((client) => client.end()));
  }
}
