import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MP, startE2E, type E2E } from '../support/e2eHarness.ts';
import { TSX } from '../support/tsx.ts';
import { until } from '../support/until.ts';
import { main } from '../../src/cli.ts';

/**
 * `identity-ledger erase` from another process, against the service's database — and killed
 * with SIGKILL in the middle of its transaction: afterwards the erasure is either complete or
 * not started, never half done.
 */
describe('identity-ledger erase (a process of its own)', () => {
  let e2e: E2E;
  let configPath: string;
  beforeAll(async () => {
    e2e = await startE2E();
    const { accounts, apiKeys, wechat, masterKey } = e2e.server.service.config;
    configPath = join(mkdtempSync(join(tmpdir(), 'erase-cli-')), 'config.json');
    writeFileSync(configPath, JSON.stringify({ accounts, apiKeys, wechat, masterKey }));
  });
  afterAll(async () => {
    await e2e?.close();
  });

  function cli(...args: string[]) {
    return cliWithInput(undefined, ...args);
  }

  function cliWithInput(input: string | undefined, ...args: string[]) {
    const child = spawn(TSX, ['src/cli.ts', ...args], {
      env: { ...process.env, DATABASE_URL: e2e.databaseUrl, LEDGER_CONFIG: configPath, LOG_LEVEL: 'silent', NATS_URL: '' },
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      detached: true,
    });
    if (input !== undefined) child.stdin!.end(input);
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { kill: () => process.kill(-child.pid!, 'SIGKILL'), exited, output: () => output };
  }

  async function loggedIn(n: number): Promise<string> {
    const openid = e2e.simulator.state.openidOf(MP.appid, n);
    const code = e2e.simulator.state.issueCode(MP.appid, { openid });
    expect((await e2e.api(`/v1/miniprogram/${MP.appid}/login`, { method: 'POST', body: JSON.stringify({ code }) })).status).toBe(200);
    await until(async () => (await e2e.api(`/v1/accounts/${MP.appid}/users/${openid}`)).status === 200, 15_000);
    return openid;
  }

  const count = async (client: pg.Client, text: string, values: unknown[] = []) => Number((await client.query<{ n: string }>(text, values)).rows[0]!.n);

  it('erases and prints what it erased (counts, no data)', async () => {
    const openid = await loggedIn(1);
    const run = cli('erase', '--appid', MP.appid, '--openid', openid);
    expect(await run.exited).toBe(0);
    const erasure = JSON.parse(run.output());
    expect(erasure).toMatchObject({ scope: 'account', reason: 'request', identities: 1, sessions: 1 });
    expect(run.output()).not.toContain(openid);
    expect((await e2e.api(`/v1/accounts/${MP.appid}/users/${openid}`)).status).toBe(404);
    expect((await e2e.api(`/v1/erasures/${erasure.id}`)).status).toBe(200);
  });

  it('reads the openid from stdin with --openid -, so it is not in the process list', async () => {
    const openid = await loggedIn(3);
    const run = cliWithInput(`${openid}\n`, 'erase', '--appid', MP.appid, '--openid', '-');
    expect(await run.exited).toBe(0);
    expect(JSON.parse(run.output())).toMatchObject({ scope: 'account', reason: 'request', identities: 1 });
    expect((await e2e.api(`/v1/accounts/${MP.appid}/users/${openid}`)).status).toBe(404);
    const twoLines = cliWithInput('a\nb\n', 'erase', '--appid', MP.appid, '--openid', '-');
    expect(await twoLines.exited).toBe(64);
    expect(twoLines.output()).toMatch(/exactly one openid/);
  });

  it('refuses an incomplete or misspelt request before it opens anything (exit 64)', async () => {
    const errors: string[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void errors.push(args.join(' '));
    try {
      expect(await main(['erase', '--appid', MP.appid, '--config', configPath])).toBe(64);
      expect(errors.join('\n')).toMatch(/--appid and --openid, or --unionid/);
      expect(await main(['erase', '--appid', MP.appid, '--openId', 'x', '--config', configPath])).toBe(64);
      expect(errors.join('\n')).toMatch(/openId.*did you mean --openid/s);
    } finally {
      console.error = original;
    }
  });

  it('killed in the middle of its transaction, the erasure has not happened; run again, it completes', async () => {
    const openid = await loggedIn(2);
    const admin = new pg.Client({ connectionString: e2e.databaseUrl });
    await admin.connect();
    const blocker = new pg.Client({ connectionString: e2e.databaseUrl });
    await blocker.connect();
    try {
      const keysBefore = await count(admin, 'select count(*) as n from subject_keys');
      const erasedBefore = await count(admin, "select count(*) as n from events where type = 'identity.erased'");
      // Hold the person's session row: the erasure deletes keys and projection rows, then waits here.
      await blocker.query('begin');
      await blocker.query('select * from mp_sessions where appid = $1 and openid = $2 for update', [MP.appid, openid]);
      const run = cli('erase', '--appid', MP.appid, '--openid', openid);
      await until(
        async () => (await count(admin, "select count(*) as n from pg_stat_activity where wait_event_type = 'Lock' and query like '%delete from mp_sessions%'")) > 0,
        30_000,
        'the erasure to wait inside its transaction',
      );
      run.kill();
      expect(await run.exited).toBeNull();
      await blocker.query('rollback');
      await until(async () => (await count(admin, "select count(*) as n from pg_stat_activity where query like '%delete from mp_sessions%' and state <> 'idle' and pid <> pg_backend_pid()")) === 0, 30_000, 'the killed session to end');

      // Not started: the key, the session, the projection rows and the events are as they were.
      expect(await count(admin, 'select count(*) as n from subject_keys')).toBe(keysBefore);
      expect(await count(admin, 'select count(*) as n from mp_sessions where openid = $1', [openid])).toBe(1);
      expect(await count(admin, "select count(*) as n from events where type = 'identity.erased'")).toBe(erasedBefore);
      expect((await e2e.api(`/v1/accounts/${MP.appid}/users/${openid}`)).status).toBe(200);

      const again = cli('erase', '--appid', MP.appid, '--openid', openid);
      expect(await again.exited).toBe(0);
      expect(JSON.parse(again.output())).toMatchObject({ identities: 1, sessions: 1 });
      expect(await count(admin, 'select count(*) as n from subject_keys')).toBe(keysBefore - 1);
      expect(await count(admin, 'select count(*) as n from mp_sessions where openid = $1', [openid])).toBe(0);
      expect((await e2e.api(`/v1/accounts/${MP.appid}/users/${openid}`)).status).toBe(404);
      expect(((await (await e2e.api("/v1/ledger/verify")).json()) as { ok: boolean }).ok).toBe(true);
    } finally {
      await blocker.end().catch(() => {});
      await admin.end();
    }
  });
});
