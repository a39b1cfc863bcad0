import { loadavg } from 'node:os';
import pg from 'pg';
import { SUBJECT_PREFIX } from '../src/bus/subjectOf.ts';
import { benchFlags } from './benchFlags.ts';
import { createBenchDatabase, ADMIN_URL } from './benchDatabase.ts';
import { startBenchChild } from './benchChild.ts';
import { startCpuMeter } from './cpuMeter.ts';
import { machineInfo } from './machineInfo.ts';
import { printTable } from './printTable.ts';
import { quantile } from './quantile.ts';
import { BENCH_OA } from './signedPushes.ts';

/** The part of `ingestLoad.ts`'s answer this benchmark reads. */
type IngestResult = { ok: number; notSuccess: number; errors: number; seconds: number; p50: number; p99: number; wrapped: boolean };

/**
 * Event → NATS lag under the ingest load (DESIGN.md §6: p99 ≤ 100 ms): the ingest benchmark's
 * service (`ingestService.ts`, with JetStream) and load (`ingestLoad.ts`: autocannon, 64
 * connections of signed safe-mode pushes, the simulator) in their own processes, and a fourth
 * process holding an ordered JetStream consumer on `identity.events.*.*.<the bench appid>` that
 * notes, per event, arrival time minus the event's `recordedAt`. The stream `IDENTITY_EVENTS` is
 * shared (the service cannot be pointed at another one, and other runs may publish for the same
 * appid), so only events this run's database holds, recorded during the measured window, count.
 *
 *   npm run bench -- lag [--seconds=10] [--warmup=3] [--connections=64] [--mode=safe|plain]
 *                        [--nats=nats://127.0.0.1:4222] [--log=info] [--pushes=N]
 */
export async function main(args: string[]): Promise<void> {
  const flags = benchFlags(args);
  const seconds = flags.number('seconds', 10);
  const warmup = flags.number('warmup', 3);
  const connections = flags.number('connections', 64);
  const mode = flags.string('mode', 'safe');
  const natsUrl = flags.string('nats', process.env.NATS_URL ?? 'nats://127.0.0.1:4222');
  const logLevel = flags.string('log', 'info');
  // More than the service answers here (under 2k pushes/s); past that the pushes repeat.
  const count = flags.number('pushes', Math.ceil(3000 * (seconds + warmup)));
  const subject = `${SUBJECT_PREFIX}.*.*.${BENCH_OA.appid}`;
  console.log(`lag: ${await machineInfo(ADMIN_URL)}; load average ${loadavg()[0]!.toFixed(1)} at start`);
  console.log(`ingest load: ${connections} connections, ${seconds} s after ${warmup} s warm-up, ${mode}-mode XML pushes; NATS JetStream at ${natsUrl}, consumer on ${subject}; service log level ${logLevel} (to /dev/null)\n`);

  const load = startBenchChild('ingestLoad.ts');
  try {
    load.send({ type: 'prepare', count, mode });
    const { simulatorUrl, buildMs } = await load.receive<{ type: string; simulatorUrl: string; buildMs: number }>('ready');
    console.error(`  ${count} signed pushes built in ${(buildMs / 1000).toFixed(1)} s`);
    const database = await createBenchDatabase('bench_lag');
    const service = startBenchChild('ingestService.ts', { env: { LOG_LEVEL: logLevel, HOST: '127.0.0.1' } });
    const consumer = startBenchChild('lagConsumer.ts');
    try {
      service.send({ type: 'start', databaseUrl: database.url, natsUrl, apiBase: simulatorUrl });
      const { url } = await service.receive<{ type: string; url: string }>('listening');
      const run = async (runSeconds: number) => {
        load.send({ type: 'run', url, seconds: runSeconds, connections });
        return load.receive<{ type: string } & IngestResult>('result');
      };
      // The warm-up also makes the service create the stream, which the consumer needs.
      await run(warmup);
      consumer.send({ type: 'start', natsUrl, subject });
      await consumer.receive('subscribed');

      const histogramBefore = await publishLagHistogram(url);
      const meter = await startCpuMeter(database.url, { service: service.pid, load: load.pid, consumer: consumer.pid });
      const windowStart = new Date();
      const ingest = await run(seconds);
      const windowEnd = new Date();
      const cpu = await meter.stop();

      const ids = await eventIds(database.url, windowStart, windowEnd);
      consumer.send({ type: 'lags', ids, timeoutMs: 30_000 });
      const { lags, missing } = await consumer.receive<{ type: string; lags: number[]; missing: number }>('lags');
      const histogram = subtract(await publishLagHistogram(url), histogramBefore);
      service.send({ type: 'stats' });
      const stats = await service.receive<{ type: string; head: number; verified: { ok: boolean } }>('stats');
      if (!stats.verified.ok) throw new Error(`ledger does not verify: ${JSON.stringify(stats.verified)}`);

      const windowSeconds = (windowEnd.getTime() - windowStart.getTime()) / 1000;
      const share = (used: number | null | undefined) => (used === null || used === undefined ? '-' : `${Math.round((100 * used) / windowSeconds)} %`);
      console.log('');
      printTable(
        ['what', 'events', 'missing', 'p50 ms', 'p99 ms', 'max ms', 'pushes/s', 'events/s', 'push p99 ms', 'not success', 'service CPU', 'load CPU', 'consumer CPU', 'postgres CPU'],
        [
          [
            'event recordedAt → JetStream consumer',
            lags.length,
            missing,
            quantile(lags, 0.5),
            quantile(lags, 0.99),
            quantile(lags, 1),
            Math.round(ingest.ok / ingest.seconds),
            Math.round(ids.length / windowSeconds),
            ingest.p99,
            ingest.notSuccess + ingest.errors,
            share(cpu.service),
            share(cpu.load),
            share(cpu.consumer),
            share(cpu.postgres),
          ],
        ],
      );
      console.log(`\nEvents: those this run's ledger recorded during the ${windowSeconds.toFixed(1)} s window (head ${stats.head}, chain verifies); lag = arrival at the consumer − recordedAt.`);
      console.log('CPU: share of one core during the measured window (200 % = both cores), from /proc.');
      if (ingest.wrapped) console.log(`note: the load used up the ${count} pre-built pushes and repeated them (raise --pushes).`);
      printHistogram(histogram);
      if (missing > 0) process.exitCode = 1;
    } finally {
      await consumer.stop();
      await service.stop();
      await database.drop();
    }
  } finally {
    await load.stop();
  }
}

async function eventIds(databaseUrl: string, from: Date, to: Date): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string }>('select id from events where recorded_at >= $1 and recorded_at <= $2 order by position', [from, to]);
    return rows.map((r) => r.id);
  } finally {
    await client.end();
  }
}

/** `outbox_publish_lag_seconds` from the service's /metrics: cumulative count per bucket bound, plus sum and count. */
type Histogram = { buckets: Map<string, number>; sum: number; count: number };

async function publishLagHistogram(url: string): Promise<Histogram> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const histogram: Histogram = { buckets: new Map(), sum: 0, count: 0 };
  for (const line of text.split('\n')) {
    const bucket = /^outbox_publish_lag_seconds_bucket\{le="([^"]+)"\} (\S+)$/.exec(line);
    if (bucket) histogram.buckets.set(bucket[1]!, Number(bucket[2]));
    else if (line.startsWith('outbox_publish_lag_seconds_sum ')) histogram.sum = Number(line.split(' ')[1]);
    else if (line.startsWith('outbox_publish_lag_seconds_count ')) histogram.count = Number(line.split(' ')[1]);
  }
  return histogram;
}

function subtract(after: Histogram, before: Histogram): Histogram {
  return {
    buckets: new Map([...after.buckets].map(([le, n]) => [le, n - (before.buckets.get(le) ?? 0)])),
    sum: after.sum - before.sum,
    count: after.count - before.count,
  };
}

/** The relay's own view: one observation per published page, its last event, recordedAt → acked and cursor saved. */
function printHistogram(histogram: Histogram): void {
  console.log(`\nThe relay's outbox_publish_lag_seconds over the window (one observation per published page: its last event, from recordedAt until JetStream acked the page and the relay saved its cursor): ${histogram.count} pages, mean ${histogram.count ? ((1000 * histogram.sum) / histogram.count).toFixed(1) : '-'} ms`);
  printTable(
    ['≤ seconds', 'pages', 'cumulative %'],
    [...histogram.buckets].map(([le, n]) => [le, n, histogram.count ? `${((100 * n) / histogram.count).toFixed(1)} %` : '-']),
  );
}
