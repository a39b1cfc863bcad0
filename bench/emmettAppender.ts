// The peer of the append benchmark, in its own process: Emmett's PostgreSQL event store
// (`@event-driven-io/emmett-postgresql` 0.42) driven by the same callers and the same events as
// `ledger.append`. Its own process because Emmett's dumbo sets process-wide `pg` type parsers
// (int8 → BigInt, jsonb) on first use, which would change what the ledger's queries return if
// both ran in one process; the callers live here with the library, as they do with the ledger.
import { getPostgreSQLEventStore, type PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import pg from 'pg';
import { benchStreamOf } from './rawEventRows.ts';
import { onParentMessage, sendToParent, type ChildMessage } from './benchChild.ts';
import { followEvents } from './followEvents.ts';
import { quantile } from './quantile.ts';

export type EmmettDriven = { type: 'driven'; events: number; seconds: number; p50: number; p99: number };

let pool: pg.Pool | null = null;
let store: PostgresEventStore | null = null;
let appended = 0;

onParentMessage(
  async (message: ChildMessage) => {
    if (message.type === 'start') {
      // An ambient pool, so its size is ours: the ledger's default pool is 10 connections.
      pool = new pg.Pool({ connectionString: message.databaseUrl as string, max: message.poolSize as number });
      store = getPostgreSQLEventStore(message.databaseUrl as string, { connectionOptions: { pool } });
      // Emmett creates its schema on first use; here before the clock starts.
      await store.schema.migrate();
      sendToParent({ type: 'ready' });
    } else if (message.type === 'drive') {
      sendToParent(await drive(store!, message.callers as number, message.seconds as number, message.tag as string));
    } else if (message.type === 'count') {
      // Every append the callers saw succeed is stored: the check that nothing was skipped.
      const { rows } = await pool!.query<{ n: number }>('select count(*)::int as n from emt_messages');
      sendToParent({ type: 'counted', appended, stored: rows[0]!.n });
    }
  },
  async () => {
    await store?.close();
    await pool?.end();
  },
);

/**
 * `callers` loops of one-event `appendToStream` calls, each to the event's own stream (the
 * ledger's stream name), no expected version — the ledger's appends check none either.
 */
async function drive(eventStore: PostgresEventStore, callers: number, seconds: number, tag: string): Promise<EmmettDriven> {
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const latencies: number[] = [];
  await Promise.all(
    Array.from({ length: callers }, async (_, caller) => {
      const next = followEvents(`${tag}${caller}`);
      while (performance.now() < deadline) {
        const sent = performance.now();
        const event = next();
        const data = event.data as Record<string, unknown>;
        await eventStore.appendToStream(benchStreamOf(event), [
          { type: event.type, data, metadata: { ...event.meta, occurredAt: new Date(event.occurredAt!).toISOString() } },
        ]);
        latencies.push(performance.now() - sent);
      }
    }),
  );
  appended += latencies.length;
  return { type: 'driven', events: latencies.length, seconds: (performance.now() - started) / 1000, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99) };
}
