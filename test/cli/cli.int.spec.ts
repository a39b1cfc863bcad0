import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli.ts';
import { createSimulator } from '../../src/simulator/simulator.ts';

const OA = 'wxcli0000000000oa1';
const NEW_OA = 'wxcli0000000000oa2';

describe('identity-ledger command line', () => {
  let simulator: Awaited<ReturnType<ReturnType<typeof createSimulator>['listen']>>;
  let config: string;
  let dir: string;
  const previous = { dataDir: process.env.LEDGER_DATA_DIR, logLevel: process.env.LOG_LEVEL };
  beforeAll(async () => {
    simulator = await createSimulator({
      accounts: [
        { appid: OA, secret: 'cli-secret', kind: 'oa', seed: 'cli', followers: { count: 30 } },
        { appid: NEW_OA, secret: 'cli-secret-2', kind: 'oa', seed: 'cli', followers: { count: 0 }, migration: { fromAppid: OA, migratedAt: new Date() } },
      ],
    }).listen(0);
    dir = mkdtempSync(join(tmpdir(), 'cli-'));
    config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        accounts: [
          { appid: OA, kind: 'oa', secret: 'cli-secret', token: 'clitoken' },
          { appid: NEW_OA, kind: 'oa', secret: 'cli-secret-2', migratedFrom: { appid: OA, migratedAt: new Date().toISOString() } },
        ],
        wechat: { apiBase: simulator.url },
      }),
    );
    // On disk: each command is a process of its own, and the later ones must see the earlier jobs.
    process.env.LEDGER_DATA_DIR = join(dir, 'data');
    process.env.LOG_LEVEL = 'silent';
  });
  afterAll(async () => {
    for (const [key, value] of [['LEDGER_DATA_DIR', previous.dataDir], ['LOG_LEVEL', previous.logLevel]] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await simulator?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs the CLI in this process; what it printed, and its exit code. */
  async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...parts) => void out.push(parts.join(' ')));
    const error = vi.spyOn(console, 'error').mockImplementation((...parts) => void err.push(parts.join(' ')));
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const code = await main(argv);
      return { code, out: out.join('\n'), err: err.join('\n') };
    } finally {
      log.mockRestore();
      error.mockRestore();
      write.mockRestore();
    }
  }

  it('a misspelt flag is an error naming the flag meant, before anything runs — a typo never runs a real conversion', async () => {
    const typo = await run('convert-openids', '--from', OA, '--to', NEW_OA, '--dryrun', '--config', config);
    expect(typo.code).toBe(64);
    expect(typo.err).toMatch(/no option --dryrun \(did you mean --dry-run\?\)/);
    const conversions = await run('jobs', '--kind', 'openid-conversion', '--json', '--config', config);
    expect(JSON.parse(conversions.out)).toEqual({ jobs: [] });
  });

  it('an unknown command or value says what was meant', async () => {
    const command = await run('reconclie', OA);
    expect(command.code).toBe(64);
    expect(command.err).toMatch(/unknown command: reconclie \(did you mean reconcile\?\)/);
    const event = await run('send-push', '--event', 'unsubscrib', '--config', config);
    expect(event.code).toBe(64);
    expect(event.err).toMatch(/--event must be one of subscribe, unsubscribe, not "unsubscrib" \(did you mean unsubscribe\?\)/);
    expect((await run('jobs', '--status', 'dnoe', '--config', config)).err).toMatch(/did you mean done/);
    expect((await run('rebuild', 'follow-stat', '--config', config)).code).toBe(64);
    expect((await run('verify', 'extra', '--config', config)).code).toBe(64);
  });

  it('an unknown appid is an error, never another account', async () => {
    const push = await run('send-push', '--appid', 'wxnope', '--config', config);
    expect(push.code).toBe(64);
    expect(push.err).toMatch(/unknown appid wxnope/);
    const close = await run('send-push', '--appid', `${OA}x`, '--config', config);
    expect(close.err).toMatch(new RegExp(`did you mean ${OA}\\?`));
    expect((await run('reconcile', 'wxnope', '--config', config)).code).toBe(64);
    expect((await run('convert-openids', '--from', OA, '--to', 'wxnope', '--config', config)).code).toBe(64);
    expect((await run('jobs', '--appid', 'wxnope', '--config', config)).code).toBe(64);
  });

  it('every command has its own --help', async () => {
    const help = await run('convert-openids', '--help');
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/identity-ledger convert-openids --from/);
    expect(help.out).toMatch(/--dry-run/);
    expect(help.out).toMatch(/--config <file>/);
    expect((await run('send-push', '-h')).out).toMatch(/--event <event> .*\(subscribe\|unsubscribe\)/);
    const general = await run('--help');
    expect(general.out).toMatch(/Exit codes: 0 done/);
  });

  it('--json prints the job, and the job list, as JSON', async () => {
    const reconciled = await run('reconcile', OA, '--json', '--config', config);
    expect(reconciled.code, reconciled.err).toBe(0);
    const job = JSON.parse(reconciled.out);
    expect(job).toMatchObject({ kind: 'reconciliation', appid: OA, status: 'done', result: { followers: 30, added: 30 } });
    const listed = await run('jobs', '--json', '--config', config);
    expect(JSON.parse(listed.out).jobs.map((j: { id: string }) => j.id)).toEqual([job.id]);
    const dryRun = await run('convert-openids', '--from', OA, '--to', NEW_OA, '--dry-run', '--json', '--config', config);
    expect(dryRun.code, dryRun.err).toBe(0);
    expect(JSON.parse(dryRun.out)).toMatchObject({ kind: 'openid-conversion', status: 'done', result: { dryRun: true } });
  });
});
