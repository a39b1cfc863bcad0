import { loadavg } from 'node:os';
import pg from 'pg';
import { openStorage } from '../src/ledger/openStorage.ts';
import { migrateToLatest } from '../src/ledger/migrate.ts';
import { createLedger, type Ledger } from '../src/ledger/ledger.ts';
import { benchFlags } from './benchFlags.ts';
import { startBenchChild } from './benchChild.ts';
import type { EmmettDriven } from './emmettAppender.ts';
import { createBenchDatabase, ADMIN_URL } from './benchDatabase.ts';
import { followEvents } from './followEvents.ts';
import { rawEventRows } from './rawEventRows.ts';
import { machineInfo } from './machineInfo.ts';
import { startCpuMeter, type CpuSeconds } from './cpuMeter.ts';
import { printTable } from './printTable.ts';
import { quantile } from './quantile.ts';

type Measured = { label: string; events: number; seconds: number; batches: number; p50: number | null; p99: number | null; cpu: CpuSeconds };

/** The ledger's pool size (openStorage's default), given to Emmett's pool too. */
const POOL_SIZE = 10;

/**
 * Group-commit throughput: N callers each loop `ledger.append([one event])` for a fixed time,
 * on a fresh database per level, and the peer at the same level right after it: the same
 * callers and events through Emmett's `appendToStream` (its own process, its own fresh
 * database). Then the ceiling, a raw 100-row INSERT loop (one connection, autocommit, rows built
 * while the previous statement runs) into a plain copy of the table.
 *
 * At `--sealing-at` callers (64 by default; 0 = not at all) the ledger runs once more with
 * sealing off (personal fields stored in clear, no subject keys): the cost of encrypting
 * personal data, as a ratio taken in the same run (DESIGN §6: at most 15 % fewer events/s).
 *
 *   npm run bench -- append [--seconds=5] [--warmup=1] [--callers=1,8,64,256] [--pipeline] [--emmett=false] [--sealing-at=64]
 */
export async function main(args: string[]): Promise<void> {
  const flags = benchFlags(args);
  const seconds = flags.number('seconds', 5);
  const warmup = flags.number('warmup', 1);
  const levels = flags.list('callers', [1, 8, 64, 256]);
  const pipeline = flags.string('pipeline', 'false') === 'true';
  const withEmmett = flags.string('emmett', 'true') !== 'false';
  const sealingAt = flags.number('sealing-at', 64);
  console.log(`append: ${await machineInfo(ADMIN_URL)}; ${seconds} s per row after ${warmup} s warm-up, fresh database per row; load average ${loadavg()[0]!.toFixed(1)} at start\n`);

  const levelRows: { ledger: Measured; emmett: Measured | null }[] = [];
  let sealingCost: { sealed: Measured; clear: Measured } | null = null;
  for (const callers of levels) {
    const ledger = await measureLedger(callers, seconds, warmup, pipeline, true);
    console.error(`  ${ledger.label}: ${Math.round(ledger.events / ledger.seconds)} events/s`);
    if (callers === sealingAt) {
      const clear = await measureLedger(callers, seconds, warmup, pipeline, false);
      console.error(`  ${clear.label}: ${Math.round(clear.events / clear.seconds)} events/s`);
      sealingCost = { sealed: ledger, clear };
    }
    const emmett = withEmmett ? await measureEmmett(callers, seconds, warmup) : null;
    if (emmett) console.error(`  ${emmett.label}: ${Math.round(emmett.events / emmett.seconds)} events/s`);
    levelRows.push({ ledger, emmett });
  }
  const raw = await measureRaw('raw INSERT, 100 rows/statement, same indexes', 'like events including all', seconds, warmup);
  console.error(`  ${raw.label}: ${Math.round(raw.events / raw.seconds)} events/s`);
  const rawPk = await measureRaw('raw INSERT, 100 rows/statement, primary key only', 'like events', seconds, warmup);
  console.error(`  ${rawPk.label}: ${Math.round(rawPk.events / rawPk.seconds)} events/s\n`);

  const rateOf = (m: Measured) => m.events / m.seconds;
  const ceiling = rateOf(raw);
  const row = (m: Measured, peer: Measured | null) => {
    const rate = rateOf(m);
    const perEvent = (seconds: number | null | undefined) => (seconds === null || seconds === undefined ? '-' : Math.round((seconds * 1e6) / m.events));
    return [m.label, Math.round(rate), peer ? (rate / rateOf(peer)).toFixed(2) : '-', (rate / ceiling).toFixed(2), m.events / m.batches, m.p50 ?? '-', m.p99 ?? '-', perEvent(m.cpu.node), perEvent(m.cpu.postgres)];
  };
  printTable(
    ['what', 'events/s', '× Emmett', '× raw', 'events/txn', 'p50 ms', 'p99 ms', 'node µs/event', 'pg µs/event'],
    [...levelRows.flatMap(({ ledger, emmett }) => (emmett ? [row(ledger, emmett), row(emmett, null)] : [row(ledger, null)])), row(raw, null), row(rawPk, null)],
  );
  if (sealingCost) {
    console.log('');
    const { sealed, clear } = sealingCost;
    printTable(
      ['what', 'events/s', '× clear', 'p99 ms', 'node µs/event', 'pg µs/event'],
      [sealed, clear].map((m) => [m.label, Math.round(rateOf(m)), (rateOf(m) / rateOf(clear)).toFixed(2), m.p99 ?? '-', Math.round(((m.cpu.node ?? 0) * 1e6) / m.events), Math.round(((m.cpu.postgres ?? 0) * 1e6) / m.events)]),
    );
    console.log(`sealing personal data costs ${((1 - rateOf(sealed) / rateOf(clear)) * 100).toFixed(1)} % of the events/s at ${sealingAt} callers (target: at most 15 %).`);
  }
  console.log('\n× Emmett: the ledger row\'s events/s over the Emmett row\'s at the same caller count; × raw: over the raw INSERT with the same indexes.');
  console.log('node/pg µs/event: CPU time of the process holding the callers (this one for the ledger and raw rows, the Emmett child for Emmett) and of the database\'s PostgreSQL backends, per event.');
}

async function measureLedger(callers: number, seconds: number, warmup: number, pipeline: boolean, sealing: boolean): Promise<Measured> {
  const database = await createBenchDatabase('bench_append');
  const storage = await openStorage({ databaseUrl: database.url });
  try {
    await migrateToLatest(storage.db);
    let batches = 0;
    const ledger = createLedger(storage, { pipeline, sealing, onCommit: () => void batches++ });
    await drive(ledger, callers, warmup, 'w');
    batches = 0;
    const meter = await startCpuMeter(database.url, { node: process.pid });
    const run = await drive(ledger, callers, seconds, 'm');
    const cpu = await meter.stop();
    await ledger.close();
    // Outside the timing: the chain just written must verify.
    const verified = await ledger.verify();
    if (!verified.ok) throw new Error(`ledger does not verify after ${callers} callers: ${JSON.stringify(verified)}`);
    return { label: `ledger.append${pipeline ? " (pipeline)" : ""}${sealing ? "" : ", sealing off"}, ${plural(callers)}`, ...run, batches, cpu };
  } finally {
    await storage.close();
    await database.drop();
  }
}

/** `callers` loops of one-event appends until the deadline; every append is awaited. */
async function drive(ledger: Ledger, callers: number, seconds: number, tag: string): Promise<{ events: number; seconds: number; p50: number; p99: number }> {
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
  return { events: latencies.length, seconds: (performance.now() - started) / 1000, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99) };
}

/**
 * The peer at one caller count: Emmett's `appendToStream` in a child process (`emmettAppender.ts`)
 * on a fresh database with its schema created first, the same warm-up and duration, then a count
 * of its stored messages against the appends its callers saw succeed.
 */
async function measureEmmett(callers: number, seconds: number, warmup: number): Promise<Measured> {
  const database = await createBenchDatabase('bench_emmett');
  const child = startBenchChild('emmettAppender.ts');
  try {
    child.send({ type: 'start', databaseUrl: database.url, poolSize: POOL_SIZE });
    await child.receive('ready');
    const drive = async (forSeconds: number, tag: string) => {
      child.send({ type: 'drive', callers, seconds: forSeconds, tag });
      return child.receive<EmmettDriven>('driven');
    };
    await drive(warmup, 'w');
    const meter = await startCpuMeter(database.url, { node: child.pid });
    const run = await drive(seconds, 'm');
    const cpu = await meter.stop();
    child.send({ type: 'count' });
    const { appended, stored } = await child.receive<{ type: string; appended: number; stored: number }>('counted');
    if (appended !== stored) throw new Error(`Emmett stored ${stored} messages for ${appended} appends after ${callers} callers`);
    // One transaction per appendToStream call: Emmett has no group commit.
    return { label: `Emmett appendToStream, ${plural(callers)}`, events: run.events, seconds: run.seconds, batches: run.events, p50: run.p50, p99: run.p99, cpu };
  } finally {
    await child.stop();
    await database.drop();
  }
}

function plural(callers: number): string {
  return `${callers} caller${callers === 1 ? '' : 's'}`;
}

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
    const rows = rawEventRows();
    const width = rows.columns.length;
    const values = Array.from({ length: ROWS_PER_STATEMENT }, (_, row) => `(${rows.columns.map((_, col) => `$${row * width + col + 1}`).join(', ')})`);
    const text = `insert into raw_events (${rows.columns.join(', ')}) values ${values.join(', ')}`;
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
    return { label, events: run.statements * ROWS_PER_STATEMENT, seconds: run.seconds, batches: run.statements, p50: null, p99: null, cpu };
  } finally {
    await client.end();
    await database.drop();
  }
}
