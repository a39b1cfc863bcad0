import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
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

const OA = 'wxbenchrecon00oa1';
const SEED = 'bench-reconcile';

type Run = { label: string; seconds: number; peakRssMb: number; phases: Record<string, number>; result: Record<string, number | string> };

/**
 * Reconciliation of a large account against the WeChat simulator (in this process, no added
 * latency), run as an operator would: `identity-ledger reconcile <appid>` in a child process,
 * whose peak RSS (VmHWM) is read from /proc.
 *
 * 1. initial import: an empty ledger, every follower is new (a subscribe and a unionid each);
 * 2. drift: `--drift` of the followers unfollow and as many new ones follow, pushes lost;
 * 3. the measured pass: the full list against the follow state, the drift corrected.
 *
 *   npm run bench -- reconcile [--followers=1000000] [--drift=0.01] [--calls-per-second=1000]
 *   node_modules/.bin/tsx bench/reconcile.ts [same flags]
 */
export async function main(args: string[]): Promise<void> {
  const flags = benchFlags(args);
  const followers = flags.number('followers', 1_000_000);
  const drift = Math.round(followers * flags.number('drift', 0.01));
  const callsPerSecond = flags.number('calls-per-second', 1000);
  console.log(`reconcile: ${await machineInfo(ADMIN_URL)}; ${followers.toLocaleString('en-US')} followers, drift ${drift.toLocaleString('en-US')} each way, ${callsPerSecond} WeChat calls/s allowed\n`);

  const simulator = createSimulator({ accounts: [{ appid: OA, secret: 'bench-secret', kind: 'oa', seed: SEED, followers: { count: followers } }] });
  const wechat = await simulator.listen(0);
  const database = await createBenchDatabase('bench_reconcile');
  const dir = mkdtempSync(join(tmpdir(), 'bench-reconcile-'));
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({ accounts: [{ appid: OA, kind: 'oa', secret: 'bench-secret' }], wechat: { apiBase: wechat.url, callsPerSecond } }),
  );
  const env = { DATABASE_URL: database.url, LEDGER_CONFIG: join(dir, 'config.json'), LOG_LEVEL: 'warn' };
  const runs: Run[] = [];
  try {
    runs.push(await reconcile('initial import (all new)', env, database.url));
    console.error(`  ${runs.at(-1)!.label}: ${runs.at(-1)!.seconds.toFixed(1)} s`);

    const state = simulator.state;
    for (let i = 0; i < drift; i++) {
      state.unfollow(OA, state.openidOf(OA, Math.floor((i * followers) / drift)));
      state.follow(OA, state.openidOf(OA, followers + i));
    }
    runs.push(await reconcile(`pass with ${(drift / followers) * 100}% drift each way`, env, database.url));
    console.error(`  ${runs.at(-1)!.label}: ${runs.at(-1)!.seconds.toFixed(1)} s\n`);

    const following = await scalar(database.url, `select count(*)::int as n from events where type = 'reconciliation.completed'`);
    if (following !== 2) throw new Error(`expected 2 completed reconciliations, found ${following}`);
  } finally {
    await wechat.close();
    await database.drop();
  }

  printTable(
    ['run', 'seconds', 'followers', 'added', 'removed', 'listing s', 'waiting+diff s', 'applying s', 'peak RSS MB'],
    runs.map((r) => [
      r.label,
      Number(r.seconds.toFixed(1)),
      Number(r.result.followers),
      Number(r.result.added),
      Number(r.result.removed),
      Number((r.phases.listing ?? 0).toFixed(1)),
      Number((r.phases.diffing ?? 0).toFixed(1)),
      Number((r.phases.applying ?? 0).toFixed(1)),
      r.peakRssMb,
    ]),
  );
  console.log('\nseconds: the whole CLI run (process start to exit). Phases from the job row, polled every 100 ms.');
  console.log('waiting+diff: the follow state catching up with the ledger as of the pass start, then the SQL diff.');
}

/** `identity-ledger reconcile` in a child process; phase times from the job row, peak RSS from /proc. */
async function reconcile(label: string, env: Record<string, string>, databaseUrl: string): Promise<Run> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'reconcile', OA], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const phases: Record<string, number> = {};
  let peakRssMb = 0;
  let phase: string | null = null;
  let phaseAt = performance.now();
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  let running = true;
  void exited.then(() => (running = false));
  while (running) {
    peakRssMb = Math.max(peakRssMb, peakRss(child.pid!));
    const row = (await client.query<{ phase: string }>(`select phase from jobs where kind = 'reconciliation' order by created_at desc limit 1`).catch(() => ({ rows: [] }))).rows[0];
    if (row && row.phase !== phase) {
      const now = performance.now();
      if (phase) phases[phase] = (phases[phase] ?? 0) + (now - phaseAt) / 1000;
      phase = row.phase;
      phaseAt = now;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await client.end();
  const code = await exited;
  if (code !== 0) throw new Error(`reconcile exited with ${code}:\n${stdout}`);
  const result = (JSON.parse(stdout) as { result: Record<string, number | string> }).result;
  return { label, seconds: (performance.now() - started) / 1000, peakRssMb, phases, result };
}


async function scalar(url: string, text: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return Number((await client.query<{ n: number }>(text)).rows[0]!.n);
  } finally {
    await client.end();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main(process.argv.slice(2));
