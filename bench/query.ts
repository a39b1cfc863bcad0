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
import { personEvents, QUERY_MASTER_KEY } from './queryPopulation.ts';
import { parseMasterKey } from '../src/ledger/keys/masterKeys.ts';
import type { QueryLoadResult } from './queryLoad.ts';
import { findMaxSustainedRate, sustainedVerdict, type RateProbe, type SearchOptions } from './maxSustainedRate.ts';
import { measurePkSelectCeiling, type CeilingResult } from './pkSelectCeiling.ts';

/** The service's pool (openStorage's default): the most lookups it ever has in flight at PostgreSQL. */
const SERVICE_POOL_SIZE = 10;

type Window = QueryLoadResult & { cpu: CpuSeconds; wallSeconds: number };

/**
 * Queries by openid and unionid against their ceiling (DESIGN.md §6: the service's max sustained
 * rate ≥ 0.25× a raw prepared primary-key SELECT; p99 ≤ 5 ms at half that rate). A ledger of
 * `persons` people (an OA follower and an MP user each, most linked by unionid, a fifth
 * unsubscribed) is appended to a fresh database; the service (`startServer`, its own process)
 * folds both projections at start. Then, all in this run on that database:
 *  1. the ceiling: closed loops of a prepared primary-key SELECT on the identity-links table
 *     (`pg`, as many connections as the service's pool), from this process;
 *  2. the service's max sustained rate: an open-loop sender in a third process asks for random
 *     people at rising rates (`maxSustainedRate.ts`), checking every status and a sample of bodies;
 *  3. the service at half that rate, the full table;
 *  4. optionally the fixed rates of `--rate`, as the benchmark measured before.
 *
 *   npm run bench -- query [--persons=100000] [--seconds=10] [--warmup=5] [--check-every=10] [--log=info] [--keep] [--database=<url>]
 *                          [--ceiling-connections=10] [--from=500] [--step=1.5] [--refine=2] [--tries=2]
 *                          [--to=100000] [--max-p99=100] [--probe-seconds=5] [--probe-warmup=1] [--rate=1000,2000]
 */
export async function main(args: string[]): Promise<void> {
  const flags = benchFlags(args);
  const persons = flags.number('persons', 100_000);
  const seconds = flags.number('seconds', 10);
  const warmup = flags.number('warmup', 5);
  const checkEvery = flags.number('check-every', 10);
  const logLevel = flags.string('log', 'info');
  const ceilingConnections = flags.number('ceiling-connections', SERVICE_POOL_SIZE);
  const search: SearchOptions = {
    from: flags.number('from', 500),
    step: flags.number('step', 1.5),
    refine: flags.number('refine', 2),
    tries: flags.number('tries', 2),
    to: flags.number('to', 100_000),
    maxP99: flags.number('max-p99', 100),
  };
  const probeSeconds = flags.number('probe-seconds', 5);
  const probeWarmup = flags.number('probe-warmup', 1);
  const rates = flags.list('rate', []);
  console.log(`query: ${await machineInfo(ADMIN_URL)}; load average ${loadavg()[0]!.toFixed(1)} at start`);
  console.log(
    `${persons.toLocaleString('en-US')} people; ceiling: ${ceilingConnections} connections for ${seconds} s after ${warmup} s; ` +
      `search: open loop from ${search.from.toLocaleString('en-US')} requests/s ×${search.step} (${probeSeconds} s after ${probeWarmup} s each, up to ${search.tries} tries, ${search.refine} bisections), sustained = p99 ≤ ${search.maxP99} ms and no backlog; ` +
      `half the max sustained rate for ${seconds} s after ${warmup} s; every status and 1 body in ${checkEvery} checked, service log level ${logLevel} (to /dev/null)\n`,
  );

  // --keep leaves the generated database in place (its URL printed); --database=<url> measures on
  // such a database again, with the same --persons, instead of generating one: a profile or an
  // A/B of two builds then skips the two minutes of appending and folding.
  const keep = flags.string('keep', 'false') === 'true';
  const reused = flags.string('database', '');
  const database = reused ? { url: reused, drop: async () => {} } : await createBenchDatabase('bench_query');
  if (keep && !reused) console.error(`  --keep: the database stays, reuse it with --database=${database.url}`);
  try {
    if (!reused) await generateLedger(database.url, persons);
    const service = startBenchChild('queryService.ts', { env: { LOG_LEVEL: logLevel, HOST: '127.0.0.1' } });
    const load = startBenchChild('queryLoad.ts');
    try {
      service.send({ type: 'start', databaseUrl: database.url });
      const { url, head, foldMs } = await service.receive<{ type: string; url: string; head: number; foldMs: number }>('listening');
      console.error(`  service started, both projections folded and the outbox relay through ${head} events in ${(foldMs / 1000).toFixed(1)} s`);
      await analyze(database.url);

      const meter = () => startCpuMeter(database.url, { service: service.pid, load: load.pid });
      const ceiling = await measurePkSelectCeiling(database.url, { connections: ceilingConnections, seconds, warmup, persons });
      const ceilingRate = ceiling.answered / ceiling.seconds;
      console.error(`  ceiling: ${Math.round(ceilingRate)} lookups/s on ${ceiling.table}, p99 ${ceiling.p99.toFixed(2)} ms`);

      const run = async (rate: number, runSeconds: number) => {
        load.send({ type: 'run', url, rate, seconds: runSeconds, persons, checkEvery });
        return load.receive<QueryLoadResult>('result');
      };
      const measured = async (rate: number, warmupSeconds: number, runSeconds: number): Promise<Window> => {
        if (warmupSeconds > 0) await run(rate, warmupSeconds);
        const cpuMeter = await meter();
        const started = performance.now();
        const result = await run(rate, runSeconds);
        return { ...result, cpu: await cpuMeter.stop(), wallSeconds: (performance.now() - started) / 1000 };
      };
      const { best, probes } = await findMaxSustainedRate(async (rate) => {
        const window = await measured(rate, probeWarmup, probeSeconds);
        const verdict = sustainedVerdict(window, search.maxP99);
        console.error(`  probe ${rate} req/s: ${verdict.sustained ? 'sustained' : 'not sustained'} (${verdict.why})`);
        if (window.mismatches.length > 0) {
          console.log(`\nwrong answers at ${rate} req/s, first ${window.mismatches.length}:\n  ${window.mismatches.join('\n  ')}`);
          process.exitCode = 1;
        }
        return window;
      }, search);
      printProbes(probes);

      let half: { rate: number; window: Window } | null = null;
      if (best) {
        const rate = Math.max(1, Math.round(best.rate / 2));
        half = { rate, window: await measured(rate, warmup, seconds) };
        report(`half the max sustained rate: ${rate.toLocaleString('en-US')} requests/s due`, half.window);
      }
      for (const rate of rates) report(`${rate.toLocaleString('en-US')} requests/s due (--rate)`, await measured(rate, warmup, seconds));

      printSummary(ceiling, best, half, search.maxP99);
      console.log('\nLatency counts from when each request was due (open loop); "from send" from when the sender wrote it. The ceiling\'s from when its loop sent the query (closed loop).');
      console.log('non-2xx: the expected 404s unless "wrong" says otherwise; wrong = an unexpected status, or a checked body that differs from the population\'s rules.');
      console.log('CPU: share of one core during the measured window (200 % = both cores), from /proc; the ceiling\'s loop runs in this process, counted as load.');
    } finally {
      await load.stop();
      await service.stop();
    }
  } finally {
    if (!keep) await database.drop();
  }
}

/** Appends every person's events (whole people per append, 5,000 events or so each); returns the head. */
async function generateLedger(databaseUrl: string, persons: number): Promise<number> {
  const started = performance.now();
  const storage = await openStorage({ databaseUrl });
  try {
    await migrateToLatest(storage.db);
    const ledger = createLedger(storage, { masterKeys: [parseMasterKey(QUERY_MASTER_KEY, 'masterKey')] });
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

const share = (used: number | null | undefined, wallSeconds: number) => (used === null || used === undefined ? '-' : `${Math.round((100 * used) / wallSeconds)} %`);

/** One measured window in full: per kind of query, with the CPU of the three processes. */
function report(title: string, window: Window): void {
  const result = window;
  const { cpu, wallSeconds } = window;
  console.log(`\n${title}:`);
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
        all ? share(cpu.service, wallSeconds) : '',
        all ? share(cpu.load, wallSeconds) : '',
        all ? share(cpu.postgres, wallSeconds) : '',
      ];
    }),
  );
  const bySecond = result.p99BySecond;
  const ms = (value: number | undefined) => (value === undefined ? '-' : value.toFixed(value >= 10 ? 0 : 1));
  console.log(`p99 of each second of the window: best ${ms(bySecond[0])} ms, median ${ms(bySecond[Math.floor(bySecond.length / 2)])} ms, worst ${ms(bySecond[bySecond.length - 1])} ms.`);
  console.log(`sender: ${result.errors} connection errors; the last answer came ${result.elapsed.toFixed(2)} s after the first request was due; it wrote requests late by p99 ${result.sendDelayP99.toFixed(2)} ms, max ${result.sendDelayMax.toFixed(1)} ms.`);
  if (result.errorSamples.length > 0) console.log(`sender's connection errors, first ${result.errorSamples.length}: ${result.errorSamples.join('; ')}`);
  if (result.mismatches.length > 0) {
    console.log(`\nwrong answers, first ${result.mismatches.length}:\n  ${result.mismatches.join('\n  ')}`);
    process.exitCode = 1;
  }
}

/** Every probe of the search, in the order made. */
function printProbes(probes: RateProbe<Window>[]): void {
  console.log('\nsearch for the max sustained rate (open loop):');
  printTable(
    ['probe', 'rate due', 'try', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'sender late p99 ms', 'sustained', 'service CPU', 'load CPU', 'postgres CPU'],
    probes.map(({ rate, try: t, result, sustained, why }, index) => {
      const all = result.kinds.find((k) => k.kind === 'all')!;
      return [String(index + 1), rate, t, Math.round(all.answered / Math.max(result.seconds, result.elapsed)), all.p50, all.p99, all.max, result.sendDelayP99, sustained ? 'yes' : `no: ${why}`, share(result.cpu.service, result.wallSeconds), share(result.cpu.load, result.wallSeconds), share(result.cpu.postgres, result.wallSeconds)];
    }),
  );
}

/** The rows the targets read: the ceiling, the service's max sustained rate and its ratio, the p99 at half of it. */
function printSummary(ceiling: CeilingResult, best: RateProbe<Window> | null, half: { rate: number; window: Window } | null, maxP99: number): void {
  const ceilingRate = ceiling.answered / ceiling.seconds;
  const allOf = (result: QueryLoadResult) => result.kinds.find((k) => k.kind === 'all')!;
  const rows: (string | number)[][] = [
    [`ceiling: prepared primary-key SELECT (pg), ${ceiling.connections} connections, closed loop`, Math.round(ceilingRate), '1.00', ceiling.p50, ceiling.p99, ceiling.max, '-', share(ceiling.cpu.load, ceiling.seconds), share(ceiling.cpu.postgres, ceiling.seconds)],
  ];
  if (best) {
    const all = allOf(best.result);
    rows.push([`service: max sustained rate (open loop, p99 ≤ ${maxP99} ms, no backlog)`, best.rate, (best.rate / ceilingRate).toFixed(2), all.p50, all.p99, all.max, share(best.result.cpu.service, best.result.wallSeconds), share(best.result.cpu.load, best.result.wallSeconds), share(best.result.cpu.postgres, best.result.wallSeconds)]);
  } else {
    rows.push([`service: no rate sustained (open loop, p99 ≤ ${maxP99} ms)`, '-', '-', '-', '-', '-', '-', '-', '-']);
  }
  if (half) {
    const all = allOf(half.window);
    const w = half.window;
    rows.push([`service at half that rate (${half.rate.toLocaleString('en-US')} req/s due)`, Math.round(all.answered / Math.max(w.seconds, w.elapsed)), '-', all.p50, all.p99, all.max, share(w.cpu.service, w.wallSeconds), share(w.cpu.load, w.wallSeconds), share(w.cpu.postgres, w.wallSeconds)]);
  }
  console.log('\nsummary (targets: max sustained rate ≥ 0.25 × ceiling; p99 ≤ 5 ms at half that rate):');
  printTable(['what', 'req/s', '× ceiling', 'p50 ms', 'p99 ms', 'max ms', 'service CPU', 'load CPU', 'postgres CPU'], rows);
}
