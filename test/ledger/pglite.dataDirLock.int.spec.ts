import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { openStorage } from '../../src/ledger/openStorage.ts';
import { DataDirInUseError, LOCK_SOCKET } from '../../src/ledger/lockDataDir.ts';
import { REPO_ROOT, startServiceProcess } from '../support/serviceProcess.ts';

const run = promisify(execFile);
// One directory for the whole file: initdb once (the first test), then each test reopens it.
const dir = mkdtempSync(join(tmpdir(), 'pglite-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What an operator runs next to `npm start`: a CLI command on the same embedded directory. */
const cli = (dataDir: string, ...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, LEDGER_DATA_DIR: dataDir, DATABASE_URL: '', NATS_URL: '', LOG_LEVEL: 'silent' },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );

describe('an embedded (PGlite) data directory', () => {
  it('is refused to a second opener while one has it, with what to do instead, and free again after close', async () => {
    const storage = await openStorage({ databaseUrl: null, dataDir: dir });
    try {
      const second = openStorage({ databaseUrl: null, dataDir: dir });
      await expect(second).rejects.toBeInstanceOf(DataDirInUseError);
      await expect(second).rejects.toThrow(new RegExp(`${dir}.*pid ${process.pid}.*DATABASE_URL`));
    } finally {
      await storage.close();
    }
    expect(existsSync(join(dir, LOCK_SOCKET))).toBe(false);
    const again = await openStorage({ databaseUrl: null, dataDir: dir });
    await again.close();
  });

  it('makes a CLI command next to a running service fail with a clear message instead of working on a copy', async () => {
    const service = await startServiceProcess({ LEDGER_DATA_DIR: dir, DATABASE_URL: '', NATS_URL: '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn' });
    try {
      const refused = await cli(dir, 'migrate');
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`the data directory ${dir} is in use by another identity-ledger process (pid ${service.child.pid}: serve (npm start)`);
      expect(refused.stderr).not.toMatch(/^\s+at /m); // a message, not a stack trace
    } finally {
      service.child.kill('SIGTERM');
      await service.exited;
    }
    const after = await cli(dir, 'migrate');
    expect(after).toMatchObject({ code: 0, stdout: expect.stringContaining('schema is up to date') });
  });

  it('is free again after its holder was killed (SIGKILL leaves the socket file, nobody listening)', async () => {
    const service = await startServiceProcess({ LEDGER_DATA_DIR: dir, DATABASE_URL: '', NATS_URL: '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn' });
    service.child.kill('SIGKILL');
    await service.exited;
    expect(existsSync(join(dir, LOCK_SOCKET))).toBe(true);
    const storage = await openStorage({ databaseUrl: null, dataDir: dir });
    await storage.close();
  });
});
