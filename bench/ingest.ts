import { loadavg } from 'node:os';
import pg from 'pg';
import { benchFlags } from './benchFlags.ts';
import { createBenchDatabase, ADMIN_URL } from './benchDatabase.ts';
import { startBenchChild } from './benchChild.ts';
import { startCpuMeter, type CpuSeconds } from './cpuMeter.ts';
import { machineInfo } from './machineInfo.ts';
import { printTable } from './printTable.ts';

type LoadResult = {
  sent: number;
  answered: number;
  ok: number;
  notSuccess: number;
  errors: number;
  timeouts: number;
  seconds: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  wrapped: boolean;
};
type Measured = { label: string; result: LoadResult; cpu: CpuSeconds };

const MINIMAL_LABEL = 'minimal handler: one INSERT per push';

/**
 * Webhook ingest end to end: the service (`startServer`, PostgreSQL, optionally NATS) in one
 * process, WeChat (autocannon with pre-built signed pushes, and the simulator answering the
 * service's user/info lookups) in another, `connections` keep-alive connections on loopback for
 * a fixed time. Then the same load against a minimal handler (one INSERT per push). This
 * process only coordinates; all three share the machine's cores with PostgreSQL.
 *
 *   npm run bench -- ingest [--seconds=10] [--warmup=3] [--connections=64] [--mode=safe|plain]
 *                           [--nats=nats://127.0.0.1:4222] [--log=info] [--split]
 */
export async function main(args: string[]): Promise<void> {
  const flags = benchFlags(args);
  const seconds = flags.number('seconds', 10);
  const warmup = flags.number('warmup', 3);
  const connections = flags.number('connections', 64);
  const mode = flags.string('mode', 'safe');
  const natsUrl = flags.string('nats', '') || null;
  const logLevel = flags.string('log', 'info');
  // --split: the webhook in an api instance (LEDGER_ROLE=api), the ledger's followers (relay,
  // projections, reactors) in a second, `all` instance that gets no pushes.
  const split = flags.string('split', 'false') === 'true';
  // Enough unique pushes for 20k/s; past that the sequence wraps and every push is a repeat.
  const count = flags.number('pushes', Math.ceil(20_000 * (seconds + warmup)));
  console.log(`ingest: ${await machineInfo(ADMIN_URL)}; load average ${loadavg()[0]!.toFixed(1)} at start`);
  console.log(`${connections} connections, ${seconds} s after ${warmup} s warm-up, ${mode}-mode XML pushes, ${natsUrl ? `NATS JetStream at ${natsUrl}` : 'no NATS (in-process bus)'}, service log level ${logLevel} (to /dev/null)${split ? ', split: an api instance takes the pushes, an all instance follows the ledger' : ''}\n`);

  const load = startBenchChild('ingestLoad.ts');
  const rows: Measured[] = [];
  const plan: RunPlan = { load, seconds, warmup, connections };
  try {
    load.send({ type: 'prepare', count, mode });
    const { simulatorUrl, buildMs } = await load.receive<{ type: string; simulatorUrl: string; buildMs: number }>('ready');
    console.error(`  ${count} signed pushes built in ${(buildMs / 1000).toFixed(1)} s`);

    const serviceDatabase = await createBenchDatabase('bench_ingest');
    const start = { type: 'start', databaseUrl: serviceDatabase.url, natsUrl, apiBase: simulatorUrl };
    // Started first, so it leads the ledger's followers from the start.
    const worker = split ? startBenchChild('ingestService.ts', { env: { LOG_LEVEL: logLevel, HOST: '127.0.0.1' } }) : null;
    const service = startBenchChild('ingestService.ts', { env: { LOG_LEVEL: logLevel, HOST: '127.0.0.1' } });
    try {
      if (worker) {
        worker.send({ ...start, role: 'all' });
        await worker.receive('listening');
      }
      service.send({ ...start, role: split ? 'api' : 'all' });
      const { url } = await service.receive<{ type: string; url: string }>('listening');
      rows.push(await measure(split ? 'service (api instance): POST /wechat/:appid/callback' : 'service: POST /wechat/:appid/callback', url, serviceDatabase.url, service.pid, plan, worker?.pid));
      // The reactors' figures come from the instance that runs them.
      const follower = worker ?? service;
      follower.send({ type: 'stats' });
      const stats = await follower.receive<{ type: string; head: number; verified: { ok: boolean }; resolver: { pending: number; active: number; dropped: number }; erasure: { caughtUp: boolean; seconds: number; failing: string | null } }>('stats');
      const byType = await countEvents(serviceDatabase.url);
      console.error(`  ledger: ${stats.head} events (${byType}), chain ${stats.verified.ok ? 'verifies' : 'DOES NOT VERIFY'}; unionid lookups pending ${stats.resolver.pending}, dropped ${stats.resolver.dropped}`);
      const { erasure } = stats;
      console.error(`  erasure reactor: ${erasure.caughtUp ? `caught up ${erasure.seconds.toFixed(1)} s after the load` : `NOT caught up ${erasure.seconds.toFixed(0)} s after the load`}${erasure.failing ? `; failing: ${erasure.failing}` : ''}`);
      if (!stats.verified.ok) throw new Error(`ledger does not verify: ${JSON.stringify(stats.verified)}`);
    } finally {
      await service.stop();
      await worker?.stop();
      await serviceDatabase.drop();
    }

    const minimalDatabase = await createBenchDatabase('bench_minimal');
    const minimal = startBenchChild('minimalHandler.ts');
    try {
      minimal.send({ type: 'start', databaseUrl: minimalDatabase.url });
      const { url } = await minimal.receive<{ type: string; url: string }>('listening');
      rows.push(await measure(MINIMAL_LABEL, url, minimalDatabase.url, minimal.pid, plan));
    } finally {
      await minimal.stop();
      await minimalDatabase.drop();
    }
  } finally {
    await load.stop();
  }

  console.log('');
  // The peer: the minimal handler's row, measured in this run (DESIGN §6: ≥ 0.5× its pushes/s, p99 ≤ 3× its p99).
  const handler = rows.find((m) => m.label === MINIMAL_LABEL)!.result;
  const rateOf = (result: LoadResult) => result.ok / result.seconds;
  printTable(
    ['what', 'pushes/s', '× handler', 'p50 ms', 'p99 ms', 'p99 × handler', 'max ms', 'not success', 'server CPU', ...(split ? ['worker CPU'] : []), 'load CPU', 'postgres CPU'],
    rows.map(({ label, result, cpu }) => {
      const share = (used: number | null | undefined) => (used === null || used === undefined ? '-' : `${Math.round((100 * used) / result.seconds)} %`);
      return [label, Math.round(rateOf(result)), (rateOf(result) / rateOf(handler)).toFixed(2), result.p50, result.p99, (result.p99 / handler.p99).toFixed(2), result.max, result.notSuccess + result.errors, share(cpu.service), ...(split ? [share(cpu.worker)] : []), share(cpu.load), share(cpu.postgres)];
    }),
  );
  console.log('\n× handler: pushes/s over the minimal handler\'s in this run (target ≥ 0.5); p99 × handler: p99 over its p99 (target ≤ 3).');
  console.log('CPU: share of one core during the measured window (200 % = both cores), from /proc.');
  for (const { label, result } of rows) {
    if (result.wrapped) console.log(`note: ${label} used up the ${count} pre-built pushes and repeated them (raise --pushes).`);
  }
}

type Load = ReturnType<typeof startBenchChild>;
type RunPlan = { load: Load; seconds: number; warmup: number; connections: number };

/** A warm-up run, then the measured run with the CPU of the server, the load and PostgreSQL. */
async function measure(label: string, url: string, databaseUrl: string, server: number, plan: RunPlan, worker?: number): Promise<Measured> {
  const run = async (seconds: number) => {
    plan.load.send({ type: 'run', url, seconds, connections: plan.connections });
    return plan.load.receive<{ type: string } & LoadResult>('result');
  };
  await run(plan.warmup);
  const meter = await startCpuMeter(databaseUrl, { service: server, load: plan.load.pid, ...(worker ? { worker } : {}) });
  const result = await run(plan.seconds);
  const cpu = await meter.stop();
  console.error(`  ${label}: ${Math.round(result.ok / result.seconds)} pushes/s, p99 ${result.p99} ms`);
  return { label, result, cpu };
}

async function countEvents(databaseUrl: string): Promise<string> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ type: string; n: number }>('select type, count(*)::int as n from events group by type order by type');
    return rows.map((r) => `${r.type} ${r.n}`).join(', ');
  } finally {
    await client.end();
  }
}
