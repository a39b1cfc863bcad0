import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerEvent } from '../../src/ledger/events.ts';
import { listJobs } from '../../src/jobs/store/readJobs.ts';
import type { Job, JobKind } from '../../src/jobs/job.ts';
import { NEW_OA, OLD_GH, OLD_OA, startJobsHarness, type JobsHarness } from './support/jobsHarness.ts';
import { TSX } from '../support/tsx.ts';
import { until } from '../support/until.ts';

const OLD_FOLLOWERS = 3000;

/**
 * The CLI runs a job in a child process (tsx, as an operator would), which is killed with
 * SIGKILL midway — no handler runs, the lease is simply never renewed; `resume` in another
 * process finishes it, and the ledger ends with exactly one event per item.
 */
describe('kill -9 in the middle of a job, then resume', () => {
  let h: JobsHarness;
  let dir: string;

  beforeAll(async () => {
    h = await startJobsHarness({
      runner: false,
      callsPerSecond: 10,
      simulator: { pageSize: 100 },
      accounts: [
        { appid: OLD_OA, kind: 'oa', followers: OLD_FOLLOWERS, originalId: OLD_GH },
        { appid: NEW_OA, kind: 'oa', followers: 0, migratedFrom: { appid: OLD_OA, migratedAt: new Date(Date.now() - 86_400_000).toISOString() } },
      ],
    });
    dir = mkdtempSync(join(tmpdir(), 'jobs-kill-'));
    const { accounts, apiKeys, wechat, masterKey } = h.config;
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ accounts, apiKeys, wechat, masterKey }));
  });
  afterAll(async () => {
    await h?.close();
  });

  function cli(...args: string[]) {
    const child = spawn(TSX, ['src/cli.ts', ...args], {
      env: { ...process.env, DATABASE_URL: h.databaseUrl, LEDGER_CONFIG: join(dir, 'config.json'), JOB_LEASE_SECONDS: '3', LOG_LEVEL: 'silent', NATS_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: tsx runs the CLI in a child of its own, and kill -9 must reach both.
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { kill: () => process.kill(-child.pid!, 'SIGKILL'), exited, output: () => output };
  }

  async function jobOnceAt(kind: JobKind, reached: (job: Job) => boolean, run: { output(): string }): Promise<Job> {
    let last: Job | undefined;
    return until(
      async () => {
        const [job] = await listJobs(h.service.storage.db, { kind, limit: 1 });
        last = job;
        if (job && reached(job)) return job;
        if (job && job.status !== 'running' && job.status !== 'queued') throw new Error(`job ended before the kill: ${JSON.stringify(job)}`);
        return undefined;
      },
      60_000,
      () => `the job to get there: ${JSON.stringify(last)}\n${run.output()}`,
      25,
    );
  }

  const ofJob = async (jobId: string) => (await h.events({})).filter((e) => e.meta.correlationId === jobId);
  const keysOf = (events: LedgerEvent[]) => events.map((e) => e.meta.idempotencyKey);

  it('reconciliation: killed while listing, resumed: every follower added once, one completed event', async () => {
    const run = cli('reconcile', OLD_OA);
    const killedAt = await jobOnceAt('reconciliation', (job) => job.phase === 'listing' && job.progress.done >= 1000, run);
    run.kill();
    await run.exited;
    expect(killedAt.progress.done).toBeLessThan(OLD_FOLLOWERS);

    const resumed = cli('resume', killedAt.id);
    expect(await resumed.exited, resumed.output()).toBe(0);
    const [job] = await listJobs(h.service.storage.db, { kind: 'reconciliation', limit: 1 });
    expect(job).toMatchObject({ id: killedAt.id, status: 'done', result: { followers: OLD_FOLLOWERS, added: OLD_FOLLOWERS, removed: 0, passes: 1 } });
    expect(job!.attempts).toBe(2);

    const events = await ofJob(killedAt.id);
    const subscribed = events.filter((e) => e.type === 'follow.subscribed');
    expect(subscribed).toHaveLength(OLD_FOLLOWERS);
    expect(new Set(subscribed.map((e) => e.data.openid)).size).toBe(OLD_FOLLOWERS);
    expect(events.filter((e) => e.type === 'unionid.resolved')).toHaveLength(OLD_FOLLOWERS);
    expect(events.filter((e) => e.type === 'reconciliation.completed')).toHaveLength(1);
    expect(new Set(keysOf(events)).size).toBe(events.length);
  }, 120_000);

  it('conversion: killed midway through changeopenid, resumed: exactly one conversion event per openid', async () => {
    // A captured list adds 20 openids that never followed the old account: refused, once each.
    const strangers = Array.from({ length: 20 }, (_, i) => h.simulator.state.openidOf(OLD_OA, OLD_FOLLOWERS + 100 + i));
    writeFileSync(join(dir, 'captured.txt'), strangers.join('\n') + '\n');
    await h.projections.waitFor(await h.service.ledger.head());
    const run = cli('convert-openids', '--from', OLD_OA, '--to', NEW_OA, '--openids-file', join(dir, 'captured.txt'));
    const killedAt = await jobOnceAt('openid-conversion', (job) => job.phase === 'converting' && job.progress.done >= 600, run);
    run.kill();
    await run.exited;
    expect(killedAt.progress.done).toBeLessThan(OLD_FOLLOWERS);

    const resumed = cli('resume', killedAt.id);
    expect(await resumed.exited, resumed.output()).toBe(0);
    const [job] = await listJobs(h.service.storage.db, { kind: 'openid-conversion', limit: 1 });
    const total = OLD_FOLLOWERS + strangers.length;
    expect(job).toMatchObject({ id: killedAt.id, status: 'done', result: { openids: total, converted: OLD_FOLLOWERS, failed: 20, reasons: { 'ori_openid error': 20 } } });

    const events = await ofJob(killedAt.id);
    expect(events).toHaveLength(total);
    expect(new Set(events.map((e) => (e.data as { fromOpenid: string }).fromOpenid)).size).toBe(total);
    expect(events.filter((e) => e.type === 'openid.converted')).toHaveLength(OLD_FOLLOWERS);

    // Not a terminal: plain progress lines with counts and rate, no redrawn bar.
    expect(resumed.output()).toMatch(/job \S+ openid-conversion wxjobs000000new01 running converting \d+\/3020 \(\d+%\)/);
    expect(resumed.output()).not.toContain('\r');
  }, 120_000);

  it('jobs lists them; resume refuses a job that is done', async () => {
    const run = cli('jobs');
    expect(await run.exited).toBe(0);
    expect(run.output()).toMatch(/openid-conversion\s+wxjobs000000new01\s+done/);
    const resumedOutput = cli('resume', (await listJobs(h.service.storage.db, { limit: 1 }))[0]!.id);
    expect(await resumedOutput.exited).toBe(1);
    expect(resumedOutput.output()).toMatch(/job_not_resumable|is done/);
  });
});
