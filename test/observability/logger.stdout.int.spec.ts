import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { batchedLines } from '../../src/observability/logger.ts';
import { TSX } from '../support/tsx.ts';

const WORKER = fileURLToPath(new URL('./support/logThenExit.ts', import.meta.url));

function run(how: string): Promise<{ code: number | null; lines: { msg: string }[] }> {
  return new Promise((resolve) => {
    execFile(TSX, [WORKER, how], { env: { ...process.env, LOG_LEVEL: 'info' } }, (error, stdout) => {
      const code = error ? ((error as { code?: number }).code ?? null) : 0;
      resolve({ code, lines: stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { msg: string }) });
    });
  });
}

describe('the stdout logger (lines batched for up to 10 ms)', () => {
  // A line still waiting when the process ends must not be lost, however it ends.
  it.each([
    ['exit', ['first', 'second']],
    ['throw', ['first', 'second']],
    ['later', ['first', 'second', 'third']],
    ['end', ['first', 'second']],
  ])('writes every line, in order, when the process leaves by %s', async (how, expected) => {
    const { lines } = await run(how);
    expect(lines.map((line) => line.msg)).toEqual(expected);
    // Still redacted: the batching is below pino.
    expect(JSON.stringify(lines)).not.toContain('hidden');
  });

  it('writes every waiting line at exit through a pipe whose reader is behind (partial writes, EAGAIN)', async () => {
    const child = spawn(TSX, [WORKER, 'burst'], { env: { ...process.env, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'inherit'] });
    // Not read for a while: the pipe fills and the exiting child has to wait for it.
    child.stdout.pause();
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    child.stdout.resume();
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    const lines = Buffer.concat(chunks).toString('utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as { msg: string; i?: number });
    expect(code).toBe(0);
    const burst = lines.filter((line) => line.msg === 'burst');
    expect(burst).toHaveLength(2000);
    expect(burst.map((line) => line.i)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
  }, 20_000);

  it('hands lines over in one write once the batch time has passed, and on flush', async () => {
    const writes: string[] = [];
    const stream = batchedLines({ write: (data: string) => writes.push(data) }, 5);
    stream.write('a\n');
    stream.write('b\n');
    expect(writes).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(writes).toEqual(['a\nb\n']);
    stream.write('c\n');
    stream.flush!();
    expect(writes).toEqual(['a\nb\n', 'c\n']);
  });
});
