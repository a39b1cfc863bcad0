// `npm run bench -- first-start [--runs=3]`: the embedded service's resident memory on a first
// start (an empty LEDGER_DATA_DIR, seeded from the bundled PGlite template) and on a later start,
// with PGlite's own initdb — what a first start ran before the template — as the peer row.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchFlags } from './benchFlags.ts';
import { peakRss, procStatusMb } from './peakRss.ts';
import { printTable } from './printTable.ts';
import { quantile } from './quantile.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

const exited = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));

/** The embedded demo: no PostgreSQL, NATS or configuration file from the caller's environment. */
function embeddedEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  for (const name of ['DATABASE_URL', 'NATS_URL', 'LEDGER_CONFIG']) delete env[name];
  return env;
}

type Sample = { peak: number; resident: number; readyMs: number };

/** Starts the service on `dataDir`, polls until /healthz answers, waits `settleMs`, reads /proc, stops it. */
async function startService(dataDir: string, settleMs: number): Promise<Sample> {
  // PORT=0: the service picks a free port and names it in its startup banner.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: embeddedEnv({ LEDGER_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn' }),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const started = performance.now();
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the service exited (${child.exitCode}) before answering /healthz`);
      const url = /listening on (http:\/\/[^\s]+)/.exec(output)?.[1];
      const ok = url !== undefined && (await fetch(`${url}/healthz`).then((r) => r.ok, () => false));
      if (ok) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const readyMs = performance.now() - started;
    await new Promise((r) => setTimeout(r, settleMs));
    return { peak: peakRss(child.pid!), resident: procStatusMb(child.pid!, 'VmRSS'), readyMs };
  } finally {
    child.kill('SIGTERM');
    await exited(child);
  }
}

/** PGlite's initdb alone, in a process of its own (a memory file system: only its cost, nothing written). */
async function initdbAlone(): Promise<Sample> {
  const child = spawn(
    process.execPath,
    ['--input-type=module', '-e', `import { PGlite } from '@electric-sql/pglite'; const pg = new PGlite(); await pg.waitReady; process.send('ready'); setInterval(() => {}, 1000);`],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] },
  );
  const started = performance.now();
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`initdb child exited (${code})`)));
    });
    return { peak: peakRss(child.pid!), resident: procStatusMb(child.pid!, 'VmRSS'), readyMs: performance.now() - started };
  } finally {
    child.kill('SIGTERM');
    await exited(child);
  }
}

export async function main(args: string[]): Promise<void> {
  const flags = benchFlags(args);
  const runs = flags.number('runs', 3);
  const settleMs = flags.number('settle-ms', 10_000);
  const samples: Record<string, Sample[]> = { first: [], later: [], initdb: [] };
  for (let run = 1; run <= runs; run++) {
    const dir = mkdtempSync(join(os.tmpdir(), 'first-start-'));
    try {
      console.error(`run ${run}/${runs}: first start, later start, initdb alone`);
      samples.first!.push(await startService(join(dir, 'data'), settleMs));
      samples.later!.push(await startService(join(dir, 'data'), settleMs));
      samples.initdb!.push(await initdbAlone());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log(`${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; ${runs} runs, resident read ${settleMs / 1000} s after /healthz answered`);
  const row = (label: string, list: Sample[]) => [
    label,
    quantile(list.map((s) => s.peak), 0.5),
    `${Math.min(...list.map((s) => s.peak))}–${Math.max(...list.map((s) => s.peak))}`,
    quantile(list.map((s) => s.resident), 0.5),
    (quantile(list.map((s) => s.readyMs), 0.5) / 1000).toFixed(1),
  ];
  printTable(
    ['what', 'peak RSS MB (median)', 'range', 'RSS after MB', 'ready s'],
    [
      row('service, first start (template)', samples.first!),
      row('service, later start', samples.later!),
      row('peer: PGlite initdb alone (no service)', samples.initdb!),
    ],
  );
}
