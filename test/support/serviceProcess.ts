import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { until } from './until.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The Dockerfile's CMD (its JSON form), with `node` as this test's node binary. */
export function containerCommand(): string[] {
  const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
  const line = dockerfile.split('\n').filter((l) => l.startsWith('CMD ')).pop();
  if (!line) throw new Error('Dockerfile has no CMD');
  const argv = JSON.parse(line.slice(4)) as string[];
  return argv[0] === 'node' ? [process.execPath, ...argv.slice(1)] : argv;
}

export type ServiceProcess = {
  child: ChildProcess;
  /** Every line written to stdout so far (the banner and pino's JSON lines). */
  lines: string[];
  url: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when a stdout line contains `text`. */
  waitForLine(text: string, timeoutMs?: number): Promise<string>;
};

/**
 * Runs `argv` (by default the container's command) in the repository with `env` added, and
 * waits for the startup banner's URL.
 */
export async function startServiceProcess(env: Record<string, string>, argv = containerCommand()): Promise<ServiceProcess> {
  const child = spawn(argv[0]!, argv.slice(1), { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const errors: string[] = [];
  let buffered = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    lines.push(...parts);
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => errors.push(chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let gone = false;
  void exited.then(() => (gone = true));
  const waitForLine = async (text: string, timeoutMs = 60_000) => {
    await until(() => gone || lines.some((l) => l.includes(text)), timeoutMs, `a line with "${text}"`);
    const found = lines.find((l) => l.includes(text));
    if (!found) throw new Error(`process exited without printing "${text}":\n${lines.join('\n')}\n${errors.join('')}`);
    return found;
  };
  const banner = await waitForLine('listening on');
  const url = /listening on (http:\/\/\S+)/.exec(banner)![1]!;
  return { child, lines, url, exited, waitForLine };
}
