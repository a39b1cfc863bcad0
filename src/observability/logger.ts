import { writeSync } from 'node:fs';
import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * JSON lines on stdout. Redaction is a second line of defence: the code never logs secrets,
 * tokens, session keys or encrypted payloads in the first place.
 */
export function createLogger(options: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      base: { service: 'identity-ledger' },
      redact: {
        paths: [
          '*.secret',
          '*.token',
          '*.session_key',
          '*.sessionKey',
          '*.encryptedData',
          '*.access_token',
          '*.authorization',
          'req.headers.authorization',
        ],
        censor: '[redacted]',
      },
    },
    options.destination ?? stdout(),
  );
}

let sharedStdout: LineStream | null = null;

/** One stream for every logger of the process that writes to stdout. */
function stdout(): LineStream {
  const fd = process.stdout.fd || 1;
  sharedStdout ??= batchedLines(pino.destination({ dest: fd, sync: false }), STDOUT_BATCH_MS, (data) => writeAllSync(fd, data));
  return sharedStdout;
}

/** How long the exit handler keeps retrying a stdout that does not take more (a reader far behind). */
const EXIT_WRITE_LIMIT_MS = 10_000;

/**
 * Writes all of `data` to `fd` synchronously — at exit, when nothing asynchronous runs any more.
 * Node makes a stdout pipe non-blocking: one writeSync stops at the pipe's free space (64 KiB
 * when the reader is idle) or fails with EAGAIN when it is full, so it loops over partial writes
 * and sleeps between tries until the reader takes the rest (at most EXIT_WRITE_LIMIT_MS).
 */
export function writeAllSync(fd: number, data: string): void {
  const bytes = Buffer.from(data, 'utf8');
  const deadline = Date.now() + EXIT_WRITE_LIMIT_MS;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(fd, bytes, offset, bytes.length - offset);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if ((code !== 'EAGAIN' && code !== 'EBUSY') || Date.now() > deadline) throw error;
      Atomics.wait(pause, 0, 0, 5);
    }
  }
}

/** How long a log line may wait for others to go out with it. */
export const STDOUT_BATCH_MS = 10;

type LineStream = { write(data: string): unknown; flush?(cb?: (err?: Error) => void): void; flushSync?(): void };

/**
 * Lines logged within `ms` of each other go out in one write. pino's default stdout stream writes
 * every line on its own, from libuv's thread pool: a write, a wake-up of the event loop and two
 * thread hand-overs per line — with a line per request, the largest avoidable cost of a lookup
 * (`npm run bench -- query`). The order of lines is kept; a process that exits (`process.exit`,
 * an uncaught exception, the end of the event loop) writes what is still waiting synchronously,
 * as pino's own stream does, waiting for a slow reader of a pipe (writeAllSync). A process killed
 * by a signal it does not handle (SIGKILL; SIGTERM or SIGINT in a CLI command other than `serve`,
 * which handles them and exits normally) runs no exit handler and loses up to `ms` of lines.
 */
export function batchedLines(stream: LineStream, ms: number, writeNow?: (data: string) => void): LineStream {
  let pending = '';
  let timer: NodeJS.Timeout | null = null;
  const handOver = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (pending === '') return;
    const data = pending;
    pending = '';
    stream.write(data);
  };
  // At exit the event loop is gone: lines handed to the stream now would wait for a thread-pool
  // write that never completes, so the stream writes what it holds and the waiting lines follow
  // synchronously, after it.
  process.on('exit', () => {
    const data = pending;
    pending = '';
    try {
      stream.flushSync?.();
    } catch {
      // What the stream held could not be written; the waiting lines may still go out.
    }
    try {
      if (data !== '') (writeNow ?? ((rest: string) => stream.write(rest)))(data);
    } catch {
      // Nothing more can be done for a stream that fails while the process exits.
    }
  });
  return {
    write(line: string) {
      pending += line;
      if (!timer) {
        timer = setTimeout(handOver, ms);
        // Waiting lines never keep the process alive; the exit handler writes them.
        timer.unref();
      }
      return true;
    },
    flush(cb) {
      handOver();
      if (stream.flush) stream.flush(cb);
      else cb?.();
    },
    flushSync() {
      handOver();
      stream.flushSync?.();
    },
  };
}
