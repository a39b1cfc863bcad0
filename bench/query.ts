import { loadavg } from 'node:os';
import pg from 'pg';
import { createLedger } from '../src/ledger/ledger.ts';
import type { NewEvent } from '../src/ledger/events.ts';
import { migrateToLatest } from '../src/ledger/migrate.ts';
import { openStorage } from '../src/ledger/openStorage.ts';
import { benchFlags } from './benchFlags.ts';
import { createBenchDatabase, ADMIN_URL } from './benchDatabase.ts';
import { startBenchChild } from './benchChild.ts';
import { startCpuMeter, type CpuSeconds } from './cpuMeter.ts';
import { machineInfo } from './machineInfo.ts';
import { printTable } from './printTable.ts';
import { personEvents } from './queryPopulation.ts';
import type { QueryLoadResult } from './queryLoad.ts';

/**
 * Queries by openid and unionid at a fixed rate (DESIGN.md §6: p99 ≤ 5 ms at 2k requests/s).
 * A ledger of `persons` people (an OA follower and an MP user each, most linked by unionid, a
 * fifth unsubscribed) is appended to a fresh database; the service (`startServer`, its own
 * process) folds both projections at start; then an open-loop sender in a third process asks for
 * random people at `rate` requests/s on loopback, checking every status and a sample of bodies.
 *
 *   npm run bench -- query [--persons=100000] [--rate=2000 or a list: 1000,2000] [--seconds=10] [--warmup=5]
 *                          [--check-every=10] [--log=info]
 */
export async function main(args: string[]): Promise<void> {
  const flags = benchFlags(args);
  const persons = flags.number('persons', 100_000);
  const rates = flags.list('rate', [2000]);
  const seconds = flags.number('seconds', 10);
  const warmup = flags.number('warmup', 5);
  const checkEvery = flags.number('check-every', 10);
  const logLevel = flags.string('log', 'info');
  console.log(`query: ${await machineInfo(ADMIN_URL)}; load average ${loadavg()[0]!.toFixed(1)} at start`);
  console.log(`${persons.toLocaleString('en-US')} people, ${rates.map((r) => r.toLocaleString('en-US')).join(' then ')} requests/s open loop for ${seconds} s after ${warmup} s warm-up, every status and 1 body in ${checkEvery} checked, service log level ${logLevel} (to /dev/null)\n`);

  const database = await createBenchDatabase('bench_query');
  try {
    const head = await generateLedger(database.url, persons);
    const service = startBenchChild('queryService.ts', { env: { LOG_LEVEL: logLevel, HOST: '127.0.0.1' } });
    const load = startBenchChild('queryLoad.ts');
    try {
      service.send({ type: 'start', databaseUrl: database.url });
      const { url, foldMs } = await service.receive<{ type: string; url: string; foldMs: number }>('listening');
      console.error(`  service started, both projections folded and the outbox relay through ${head} events in ${(foldMs / 1000).toFixed(1)} s`);
      await analyze(database.url);

      const run = async (rate: number, runSeconds: number) => {
        load.send({ type: 'run', url, rate, seconds: runSeconds, persons, checkEvery });
        return load.receive<QueryLoadResult>('result');
      };
      for (const rate of rates) {
        await run(rate, warmup);
        const meter = await startCpuMeter(database.url, { service: service.pid, load: load.pid });
        const started = performance.now();
        const result = await run(rate, seconds);
        const cpu = await meter.stop();
        report(rate, result, cpu, (performance.now() - started) / 1000);
      }
      console.log('\nLatency counts from when each request was due (open loop); "from send" from when the sender wrote it.');
      console.log('non-2xx: the expected 404s unless "wrong" says otherwise; wrong = an unexpected status, or a checked body that differs from the population\'s rules.');
      console.log('CPU: share of one core during the measured window (200 % = both cores), from /proc.');
    } finally {
      await load.stop();
      await service.stop();
    }
  } finally {
    await database.drop();
  }
}

/** Appends every person's events (whole people per append, 5,000 events or so each); returns the head. */
async function generateLedger(databaseUrl: string, persons: number): Promise<number> {
  const started = performance.now();
  const storage = await openStorage({ databaseUrl });
  try {
    await migrateToLatest(storage.db);
    const ledger = createLedger(storage);
    let head = 0;
    for (let person = 0; person < persons; ) {
      const batch: NewEvent[] = [];
      while (batch.length < 5000 && person < persons) batch.push(...personEvents(person++));
      const { events } = await ledger.append(batch);
      head = events[events.length - 1]!.position;
    }
    await ledger.close();
    console.error(`  ${head.toLocaleString('en-US')} events for ${persons.toLocaleString('en-US')} people appended in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return head;
  } finally {
    await storage.close();
  }
}

/** Fresh planner statistics, as autovacuum would have them on a database that has been up a while. */
async function analyze(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('vacuum analyze');
  } finally {
    await client.end();
  }
}

/** `wallSeconds`: the measured run as the CPU meter saw it, the wait for the last answers included. */
function report(rate: number, result: QueryLoadResult, cpu: CpuSeconds, wallSeconds: number): void {
  const share = (used: number | null | undefined) => (used === null || used === undefined ? '-' : `${Math.round((100 * used) / wallSeconds)} %`);
  console.log(`\n${rate.toLocaleString('en-US')} requests/s due:`);
  printTable(
    ['what', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'p99 from send ms', 'non-2xx', 'bodies checked', 'wrong', 'service CPU', 'load CPU', 'postgres CPU'],
    result.kinds.map((k) => {
      const all = k.kind === 'all';
      return [
        all ? `all (${result.scheduled.toLocaleString('en-US')} due in ${result.seconds} s)` : k.kind,
        Math.round(k.answered / Math.max(result.seconds, result.elapsed)),
        k.p50,
        k.p99,
        k.max,
        k.p99FromSend,
        k.non2xx,
        k.checked,
        k.wrong,
        all ? share(cpu.service) : '',
        all ? share(cpu.load) : '',
        all ? share(cpu.postgres) : '',
      ];
    }),
  );
  const bySecond = result.p99BySecond;
  const ms = (value: number | undefined) => (value === undefined ? '-' : value.toFixed(value >= 10 ? 0 : 1));
  console.log(`p99 of each second of the window: best ${ms(bySecond[0])} ms, median ${ms(bySecond[Math.floor(bySecond.length / 2)])} ms, worst ${ms(bySecond[bySecond.length - 1])} ms.`);
  console.log(`sender: ${result.errors} connection errors; the last answer came ${result.elapsed.toFixed(2)} s after the first request was due; it wrote requests late by p99 ${result.sendDelayP99.toFixed(2)} ms, max ${result.sendDelayMax.toFixed(1)} ms.`);
  if (result.mismatches.length > 0) {
    console.log(`\nwrong answers, first ${result.mismatches.length}:\n  ${result.mismatches.join('\n  ')}`);
    process.exitCode = 1;
  }
}
