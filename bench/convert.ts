import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { createSimulator } from '../src/simulator/simulator.ts';
import { benchFlags } from './benchFlags.ts';
import { ADMIN_URL, createBenchDatabase } from './benchDatabase.ts';
import { machineInfo } from './machineInfo.ts';
import { printTable } from './printTable.ts';
import { peakRss } from './peakRss.ts';

const OLD = 'wxbenchconv0old01';
const NEW = 'wxbenchconv0new01';
const SEED = 'bench-convert';

type Sample = { at: number; calls: number };

/**
 * Openid conversion of a whole account against the WeChat simulator (in this process, so its
 * call counter is exact), run as an operator would: `identity-ledger convert-openids` with the
 * old account's follower list as a file, in a child process that is killed with SIGKILL when
 * `--kill-at` of the openids are done, then `identity-ledger resume <job>` to the end.
 *
 * Measured: `changeopenid` calls per second while the job runs (both runs; process start, the
 * list upload and the kill gap excluded) against the configured rate; the job's peak RSS; and
 * that the ledger ends with exactly one conversion event per openid.
 *
 *   npm run bench -- convert [--openids=1000000] [--calls-per-second=50] [--kill-at=0.5] [--concurrency=8]
 *   node_modules/.bin/tsx bench/convert.ts [same flags]
 */
export async function main(args: string[]): Promise<void> {
  const flags = benchFlags(args);
  const openids = flags.number('openids', 1_000_000);
  const callsPerSecond = flags.number('calls-per-second', 50);
  const killAt = flags.number('kill-at', 0.5);
  console.log(
    `convert: ${await machineInfo(ADMIN_URL)}; ${openids.toLocaleString('en-US')} openids, ${callsPerSecond} changeopenid calls/s configured, SIGKILL at ${killAt * 100}%\n`,
  );

  const migratedAt = new Date(Date.now() - 86_400_000).toISOString();
  const simulator = createSimulator({
    accounts: [
      { appid: OLD, secret: 'old-secret', kind: 'oa', seed: SEED, followers: { count: openids } },
      { appid: NEW, secret: 'new-secret', kind: 'oa', seed: SEED, migration: { fromAppid: OLD, migratedAt } },
    ],
  });
  const wechat = await simulator.listen(0);
  const database = await createBenchDatabase('bench_convert');
  const dir = mkdtempSync(join(tmpdir(), 'bench-convert-'));
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      accounts: [
        { appid: OLD, kind: 'oa', secret: 'old-secret' },
        { appid: NEW, kind: 'oa', secret: 'new-secret', migratedFrom: { appid: OLD, migratedAt } },
      ],
      wechat: { apiBase: wechat.url, callsPerSecond },
    }),
  );
  const list = join(dir, 'old-followers.txt');
  const file = createWriteStream(list);
  for (let p = 0; p < openids; p++) if (!file.write(`${simulator.state.openidOf(OLD, p)}\n`)) await once(file, 'drain');
  file.end();
  await once(file, 'finish');

  const env = { ...process.env, DATABASE_URL: database.url, LEDGER_CONFIG: join(dir, 'config.json'), LOG_LEVEL: 'warn', JOB_LEASE_SECONDS: '10', JOB_CALL_CONCURRENCY: String(flags.number('concurrency', 8)) };
  const client = new pg.Client({ connectionString: database.url });
  const calls = () => simulator.state.callCount('changeopenid', NEW);
  try {
    await client.connect();
    const progress = async () =>
      (await client.query<{ id: string; status: string; phase: string; done: number }>(`select id, status, phase, progress_done::int as done from jobs order by created_at desc limit 1`).catch(() => ({ rows: [] }))).rows[0];

    // Run 1: killed midway.
    const first = cli(['convert-openids', '--from', OLD, '--to', NEW, '--openids-file', list], env);
    const firstSamples: Sample[] = [];
    let jobId = '';
    let firstPeak = 0;
    for (;;) {
      firstSamples.push({ at: performance.now(), calls: calls() });
      firstPeak = Math.max(firstPeak, peakRss(first.pid));
      const row = await progress();
      if (row && row.phase === 'converting' && row.done >= openids * killAt) {
        jobId = row.id;
        break;
      }
      if (first.exitCode() !== null) throw new Error(`convert-openids ended before the kill:\n${first.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    first.kill();
    await first.exited;
    const killedAt = performance.now();
    const doneAtKill = (await progress())!.done;
    console.error(`  killed at ${doneAtKill.toLocaleString('en-US')} openids (${calls()} calls so far)`);

    // Run 2: resume to the end.
    const second = cli(['resume', jobId], env);
    const secondSamples: Sample[] = [];
    let secondPeak = 0;
    while (second.exitCode() === null) {
      secondSamples.push({ at: performance.now(), calls: calls() });
      secondPeak = Math.max(secondPeak, peakRss(second.pid));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    secondSamples.push({ at: performance.now(), calls: calls() });
    if ((await second.exited) !== 0) throw new Error(`resume failed:\n${second.output()}`);

    const { rows } = await client.query<{ events: number; distinct_openids: number; converted: number }>(
      `select count(*)::int as events, count(distinct data->>'fromOpenid')::int as distinct_openids,
              count(*) filter (where type = 'openid.converted')::int as converted
       from events where type in ('openid.converted', 'openid.conversion_failed') and meta->>'correlationId' = $1`,
      [jobId],
    );
    const counted = rows[0]!;
    if (counted.events !== openids || counted.distinct_openids !== openids) {
      throw new Error(`expected exactly one conversion event per openid (${openids}), found ${counted.events} events for ${counted.distinct_openids} openids`);
    }

    const active1 = activeSpan(firstSamples, killedAt);
    const active2 = activeSpan(secondSamples, Number.POSITIVE_INFINITY);
    const totalCalls = calls();
    const rate = totalCalls / (active1.seconds + active2.seconds);
    const steady = steadyRate(secondSamples);
    printTable(
      ['what', 'value'],
      [
        ['openids converted (events, distinct openids)', `${counted.converted.toLocaleString('en-US')} (${counted.events.toLocaleString('en-US')}, ${counted.distinct_openids.toLocaleString('en-US')})`],
        ['changeopenid calls (incl. probe and redone chunks)', totalCalls],
        ['calls while run 1 was converting / seconds', `${active1.calls} / ${active1.seconds.toFixed(1)}`],
        ['calls while run 2 was converting / seconds', `${active2.calls} / ${active2.seconds.toFixed(1)}`],
        ['configured calls/s', callsPerSecond],
        ['achieved calls/s (both runs)', Number(rate.toFixed(1))],
        ['achieved / configured', `${((rate / callsPerSecond) * 100).toFixed(1)} %`],
        ['steady calls/s (run 2, middle 80 %)', Number(steady.toFixed(1))],
        ['openids/s (both runs)', Math.round(openids / (active1.seconds + active2.seconds))],
        ['killed at / resumed from', `${doneAtKill.toLocaleString('en-US')} saved progress`],
        ['peak RSS run 1 / run 2 (MB)', `${firstPeak} / ${secondPeak}`],
      ],
    );
    console.log('\nActive time: from the first to the last changeopenid call of each run (process start, the list upload and the kill gap excluded).');
  } finally {
    await client.end();
    await wechat.close();
    await database.drop();
  }
}

function cli(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { pid: child.pid!, exited, output: () => output, exitCode: () => child.exitCode, kill: () => child.kill('SIGKILL') };
}

/**
 * A run's calling time: from the last sample before its first call to its last call (or to the
 * kill). Process start, the list upload and the collection before the first call are excluded.
 */
function activeSpan(samples: Sample[], killedAt: number): { calls: number; seconds: number } {
  const firstCall = samples.findIndex((s) => s.calls > samples[0]!.calls);
  if (firstCall < 1) return { calls: 0, seconds: 0 };
  const from = samples[firstCall - 1]!;
  let to = samples[samples.length - 1]!;
  if (Number.isFinite(killedAt)) to = { at: killedAt, calls: to.calls };
  else while (samples.length > 1 && to.calls === samples[samples.indexOf(to) - 1]?.calls) to = samples[samples.indexOf(to) - 1]!;
  return { calls: to.calls - from.calls, seconds: (to.at - from.at) / 1000 };
}

function steadyRate(samples: Sample[]): number {
  const moving = samples.filter((s, i) => i > 0 && s.calls > samples[i - 1]!.calls);
  if (moving.length < 10) return 0;
  const from = moving[Math.floor(moving.length * 0.1)]!;
  const to = moving[Math.floor(moving.length * 0.9)]!;
  return ((to.calls - from.calls) * 1000) / (to.at - from.at);
}


if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main(process.argv.slice(2));
