import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A message between the ingest benchmark and its child processes (over the IPC channel). */
export type ChildMessage = { type: string; [key: string]: unknown };

/**
 * Starts `bench/<file>` in its own Node process (TypeScript through tsx) with an IPC channel.
 * Its stdout is discarded unless `showOutput`: the service logs a JSON line per request.
 */
export function startBenchChild(file: string, options: { env?: Record<string, string>; showOutput?: boolean } = {}) {
  const child: ChildProcess = fork(fileURLToPath(new URL(file, import.meta.url)), [], {
    // BENCH_CPU_PROF=<dir>: every child writes a V8 CPU profile there when it exits.
    execArgv: ['--import', 'tsx', ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [])],
    env: { ...process.env, ...options.env },
    stdio: ['ignore', options.showOutput ? 'inherit' : 'ignore', 'inherit', 'ipc'],
  });
  const inbox: ChildMessage[] = [];
  const waiting: { type: string; resolve(message: ChildMessage): void; reject(error: Error): void }[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.on('message', (message: ChildMessage) => {
    const index = waiting.findIndex((w) => w.type === message.type);
    if (index >= 0) waiting.splice(index, 1)[0]!.resolve(message);
    else inbox.push(message);
  });
  void exited.then((code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`${file} exited (${code}) before sending "${w.type}"`));
  });
  return {
    pid: child.pid!,
    send(message: ChildMessage): void {
      child.send(message);
    },
    /** The next message of `type` (or one already received). */
    receive<T extends ChildMessage>(type: string): Promise<T> {
      const index = inbox.findIndex((m) => m.type === type);
      if (index >= 0) return Promise.resolve(inbox.splice(index, 1)[0] as T);
      if (child.exitCode !== null) return Promise.reject(new Error(`${file} has exited`));
      return new Promise((resolve, reject) => waiting.push({ type, resolve: resolve as (m: ChildMessage) => void, reject }));
    },
    async stop(): Promise<void> {
      if (child.exitCode === null) child.send({ type: 'exit' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** In a child: handles the parent's messages; `exit` ends the process after `onExit`. */
export function onParentMessage(handler: (message: ChildMessage) => Promise<void>, onExit: () => Promise<void> = async () => {}): void {
  process.on('message', (message: ChildMessage) => {
    if (message.type === 'exit') {
      void onExit().finally(() => process.exit(0));
      return;
    }
    handler(message).catch((error: Error) => {
      console.error(error);
      process.exit(1);
    });
  });
}

export function sendToParent(message: ChildMessage): void {
  process.send!(message);
}
