import { createHash, randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import pg from 'pg';
import { openStorage } from '../src/ledger/openStorage.ts';
import { migrateToLatest } from '../src/ledger/migrate.ts';
import { createLedger, type Ledger } from '../src/ledger/ledger.ts';
import { appidOf, openidOf, unionidOf, type NewEvent } from '../src/ledger/events.ts';
import { benchFlags } from './benchFlags.ts';
import { createBenchDatabase, ADMIN_URL } from './benchDatabase.ts';
import { followEvents } from './followEvents.ts';
import { machineInfo } from './machineInfo.ts';
import { startCpuMeter, type CpuSeconds } from './cpuMeter.ts';
import { printTable } from './printTable.ts';
import { quantile } from './quantile.ts';

type Measured = { label: string; events: number; seconds: number; batches: number; latencies: number[]; cpu: CpuSeconds };

/**
 * Group-commit throughput: N callers each loop `ledger.append([one event])` for a fixed time,
 * on a fresh database per level; then the ceiling, a raw 100-row INSERT loop (one connection,
 * autocommit, rows built while the previous statement runs) into a plain copy of the table.
 *
 *   npm run bench -- append [--seconds=5] [--warmup=1] [--callers=1,8,64,256] [--pipeline]
 */
export async function main(args: string[]): Promise<void> {
  const flags = benchFlags(args);
  const seconds = flags.number('seconds', 5);
  const warmup = flags.number('warmup', 1);
  const levels = flags.list('callers', [1, 8, 64, 256]);
  const pipeline = flags.string('pipeline', 'false') === 'true';
  console.log(`append: ${await machineInfo(ADMIN_URL)}; ${seconds} s per row after ${warmup} s warm-up, fresh database per row; load average ${loadavg()[0]!.toFixed(1)} at start\n`);

  const ledgerRows: Measured[] = [];
  for (const callers of levels) {
    const measured = await measureLedger(callers, seconds, warmup, pipeline);
    ledgerRows.push(measured);
    console.error(`  ${measured.label}: ${Math.round(measured.events / measured.seconds)} events/s`);
  }
  const raw = await measureRaw('raw INSERT, 100 rows/statement, same indexes', 'like events including all', seconds, warmup);
  console.error(`  ${raw.label}: ${Math.round(raw.events / raw.seconds)} events/s`);
  const rawPk = await measureRaw('raw INSERT, 100 rows/statement, primary key only', 'like events', seconds, warmup);
  console.error(`  ${rawPk.label}: ${Math.round(rawPk.events / rawPk.seconds)} events/s\n`);

  const ceiling = raw.events / raw.seconds;
  printTable(
    ['what', 'events/s', '× raw', 'events/txn', 'p50 ms', 'p99 ms', 'node µs/event', 'pg µs/event'],
    [...ledgerRows, raw, rawPk].map((m) => {
      const rate = m.events / m.seconds;
      const latency = m.latencies.length > 0 ? [quantile(m.latencies, 0.5), quantile(m.latencies, 0.99)] : ['-', '-'];
      const perEvent = (seconds: number | null | undefined) => (seconds === null || seconds === undefined ? '-' : Math.round((seconds * 1e6) / m.events));
      return [m.label, Math.round(rate), (rate / ceiling).toFixed(2), m.events / m.batches, ...latency, perEvent(m.cpu.node), perEvent(m.cpu.postgres)];
    }),
  );
  console.log('\nnode/pg µs/event: CPU time of this process (callers included) and of the database\'s PostgreSQL backends, per event.');
}

async function measureLedger(callers: number, seconds: number, warmup: number, pipeline: boolean): Promise<Measured> {
  const database = await createBenchDatabase('bench_append');
  const storage = await openStorage({ databaseUrl: database.url });
  try {
    await migrateToLatest(storage.db);
    let batches = 0;
    const ledger = createLedger(storage, { pipeline, onCommit: () => void batches++ });
    await drive(ledger, callers, warmup, 'w');
    batches = 0;
    const meter = await startCpuMeter(database.url, { node: process.pid });
    const run = await drive(ledger, callers, seconds, 'm');
    const cpu = await meter.stop();
    await ledger.close();
    // Outside the timing: the chain just written must verify.
    const verified = await ledger.verify();
    if (!verified.ok) throw new Error(`ledger does not verify after ${callers} callers: ${JSON.stringify(verified)}`);
    return { label: `ledger.append${pipeline ? ' (pipeline)' : ''}, ${callers} caller${callers === 1 ? '' : 's'}`, ...run, batches, cpu };
  } finally {
    await storage.close();
    await database.drop();
  }
}

/** `callers` loops of one-event appends until the deadline; every append is awaited. */
async function drive(ledger: Ledger, callers: number, seconds: number, tag: string): Promise<{ events: number; seconds: number; latencies: number[] }> {
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const latencies: number[] = [];
  await Promise.all(
    Array.from({ length: callers }, async (_, caller) => {
      const next = followEvents(`${tag}${caller}`);
      while (performance.now() < deadline) {
        const sent = performance.now();
        await ledger.append([next()]);
        latencies.push(performance.now() - sent);
      }
    }),
  );
  return { events: latencies.length, seconds: (performance.now() - started) / 1000, latencies };
}

const COLUMNS = ['position', 'id', 'type', 'stream', 'stream_version', 'appid', 'subject', 'unionid', 'fingerprint', 'idempotency_key', 'data', 'meta', 'occurred_at', 'recorded_at', 'digest', 'prev_hash', 'hash'];
const ROWS_PER_STATEMENT = 100;

/**
 * The ceiling: the same rows (ids, JSON, a sha256 chain) in a plain table with `shape` — no
 * lock, no lookups, no trigger — 100 rows per INSERT, each statement its own transaction.
 */
async function measureRaw(label: string, shape: string, seconds: number, warmup: number): Promise<Measured> {
  const database = await createBenchDatabase('bench_raw');
  const storage = await openStorage({ databaseUrl: database.url });
  await migrateToLatest(storage.db);
  await storage.close();
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    await client.query(`create table raw_events (${shape})`);
    if (shape === 'like events') await client.query('alter table raw_events add primary key (position)');
    const values = Array.from({ length: ROWS_PER_STATEMENT }, (_, row) => `(${COLUMNS.map((_, col) => `$${row * COLUMNS.length + col + 1}`).join(', ')})`);
    const text = `insert into raw_events (${COLUMNS.join(', ')}) values ${values.join(', ')}`;
    const rows = rawRows();
    const loop = async (forSeconds: number) => {
      const started = performance.now();
      const deadline = started + forSeconds * 1000;
      let statements = 0;
      let params = rows.next(ROWS_PER_STATEMENT);
      while (performance.now() < deadline) {
        const inFlight = client.query(text, params);
        params = rows.next(ROWS_PER_STATEMENT);
        await inFlight;
        statements++;
      }
      return { statements, seconds: (performance.now() - started) / 1000 };
    };
    await loop(warmup);
    const meter = await startCpuMeter(database.url, { node: process.pid });
    const run = await loop(seconds);
    const cpu = await meter.stop();
    return { label, events: run.statements * ROWS_PER_STATEMENT, seconds: run.seconds, batches: run.statements, latencies: [], cpu };
  } finally {
    await client.end();
    await database.drop();
  }
}

/** Rows equivalent to what the ledger stores for `followEvents`, flattened into parameters. */
function rawRows() {
  const next = followEvents('raw');
  const versions = new Map<string, number>();
  let position = 0;
  let prevHash = '0'.repeat(64);
  return {
    next(count: number): unknown[] {
      const params: unknown[] = [];
      const recordedAt = new Date().toISOString();
      for (let i = 0; i < count; i++) {
        const event: NewEvent = next();
        const data = event.data as Record<string, unknown>;
        const digestOf = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 32);
        const appid = appidOf(event.type, data);
        const subject = digestOf(`${appid}|${openidOf(event.type, data)}`);
        const unionid = unionidOf(data);
        const stream = `user-${appid}-${subject}`;
        const version = (versions.get(stream) ?? 0) + 1;
        versions.set(stream, version);
        const json = JSON.stringify(data);
        const row = [++position, randomUUID(), event.type, stream, version, appid, subject, unionid === null ? null : digestOf(unionid), digestOf(json), digestOf(event.meta.idempotencyKey), json, JSON.stringify(event.meta), new Date(event.occurredAt!).toISOString(), recordedAt];
        const digest = createHash('sha256').update(JSON.stringify(row.slice(1))).digest('hex');
        const hash = createHash('sha256').update(`${prevHash}:${position}:${version}:${digest}`).digest('hex');
        params.push(...row, digest, prevHash, hash);
        prevHash = hash;
      }
      return params;
    },
  };
}
