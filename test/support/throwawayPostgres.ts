import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './throwawayNats.ts';
import { until } from './until.ts';

/** The newest PostgreSQL installed under /usr/lib/postgresql, unless PG_BIN names a directory. */
function binDir(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  if (versions.length === 0) throw new Error('no PostgreSQL binaries under /usr/lib/postgresql (set PG_BIN)');
  return join(root, versions.sort((a, b) => Number(a) - Number(b)).at(-1)!, 'bin');
}

/** initdb and postgres refuse to run as root: run them as the `postgres` user then. */
function runAs(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('running as root and there is no postgres user to run a throwaway PostgreSQL as');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** Every process whose parent is `pid` (the postmaster's backends and auxiliary processes). */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      if (new RegExp(`^PPid:\\s+${pid}$`, 'm').test(status)) children.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return children;
}

/**
 * A PostgreSQL cluster of the test's own (initdb in a temporary directory, a free port, trust
 * auth), so a test can freeze it (SIGSTOP) without touching the shared server on 5432.
 */
export async function startThrowawayPostgres() {
  const bin = binDir();
  const user = runAs();
  const dir = mkdtempSync(join(tmpdir(), 'pg-throwaway-'));
  if (user) chownSync(dir, user.uid, user.gid);
  const asUser = user ? { uid: user.uid, gid: user.gid } : {};
  const init = spawnSync(join(bin, 'initdb'), ['-D', join(dir, 'data'), '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'], { ...asUser, encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  const port = await freePort();
  const child: ChildProcess = spawn(
    join(bin, 'postgres'),
    ['-D', join(dir, 'data'), '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=100'],
    { ...asUser, stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let refusal = 'no answer yet';
  await until(
    async () => {
      if (child.exitCode !== null) throw new Error(`throwaway PostgreSQL did not start: it exited (${child.exitCode}); last: ${refusal}`);
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
      try {
        await client.connect();
        return true;
      } catch (error) {
        refusal = (error as Error).message;
        return false;
      } finally {
        await client.end().catch(() => {});
      }
    },
    20_000,
    () => `throwaway PostgreSQL to accept connections (last: ${refusal})`,
    100,
  );
  const postmaster = child.pid!;
  let frozen: number[] = [];
  const thaw = () => {
    for (const pid of frozen) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // gone
      }
    }
    frozen = [];
  };
  return {
    url,
    port,
    /** SIGSTOP the postmaster, and with `everything` its backends and auxiliary processes too. */
    freeze(options: { everything?: boolean } = {}) {
      const pids = options.everything ? [postmaster, ...childrenOf(postmaster)] : [postmaster];
      for (const pid of pids) process.kill(pid, 'SIGSTOP');
      frozen.push(...pids);
    },
    thaw,
    async destroy() {
      thaw();
      if (child.exitCode === null) {
        child.kill('SIGQUIT');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
