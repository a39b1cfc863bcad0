import { connect, createServer, type Server } from 'node:net';
import { unlinkSync } from 'node:fs';
import { basename, relative, resolve } from 'node:path';

/** Another live process has the PGlite directory open. */
export class DataDirInUseError extends Error {
  override name = 'DataDirInUseError';
  constructor(message: string) {
    super(message);
    // The CLI prints the error as it is: the message says what to do, a stack trace would not.
    this.stack = `${this.name}: ${message}`;
  }
}

export type DataDirLock = { release(): Promise<void> };

export const LOCK_SOCKET = 'identity-ledger.sock';
// sockaddr_un.sun_path holds 108 bytes on Linux and 104 on macOS, the terminating NUL included.
const MAX_SOCKET_PATH = 103;

/**
 * PGlite is one process's database: a second process opening the same directory works on its
 * own copy in memory and writes over the first one's files. So the directory is locked by a
 * Unix socket listening inside it — the kernel ends the lock with the process (a crash or
 * SIGKILL leaves only a file nobody listens on, which the next start removes), with no pid to
 * be reused, in any container that shares the directory. A process that finds the socket
 * answering is told who holds it and refused.
 */
export async function lockDataDir(dataDir: string, holder: string = describeThisProcess()): Promise<DataDirLock> {
  const path = socketPath(dataDir);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const server = await listen(path, holder);
      return { release: () => new Promise<void>((done) => server.close(() => done())) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') {
        throw new Error(`cannot lock the data directory ${dataDir} (${LOCK_SOCKET}): ${(error as Error).message}`, { cause: error });
      }
    }
    const owner = await askOwner(path);
    if (owner !== null) {
      throw new DataDirInUseError(
        `the data directory ${dataDir} is in use by another identity-ledger process (${owner}). ` +
          'An embedded (PGlite) database belongs to one process at a time: stop that process first, or have the running ' +
          'service do the work through its HTTP API (e.g. POST /v1/accounts/<appid>/reconciliations), or use PostgreSQL ' +
          '(DATABASE_URL), which any number of service and CLI processes share.',
      );
    }
    // Left by a process that died: nobody listens on it.
    try {
      unlinkSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  throw new Error(`cannot lock the data directory ${dataDir}: another process keeps taking ${LOCK_SOCKET}`);
}

function socketPath(dataDir: string): string {
  const absolute = resolve(dataDir, LOCK_SOCKET);
  if (Buffer.byteLength(absolute) <= MAX_SOCKET_PATH) return absolute;
  const fromCwd = relative(process.cwd(), absolute);
  if (Buffer.byteLength(fromCwd) <= MAX_SOCKET_PATH) return fromCwd;
  throw new Error(`cannot lock the data directory ${dataDir}: its path is too long for a Unix socket (${LOCK_SOCKET}); use a shorter LEDGER_DATA_DIR`);
}

function listen(path: string, holder: string): Promise<Server> {
  return new Promise((resolveServer, reject) => {
    const server = createServer((socket) => {
      socket.on('error', () => {});
      socket.end(holder);
    });
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      server.on('error', () => {});
      // The lock must not keep a process alive that has nothing else to do.
      server.unref();
      resolveServer(server);
    });
  });
}

/** The holder's description, or null when nobody listens (a stale socket file). */
function askOwner(path: string): Promise<string | null> {
  return new Promise((resolveOwner, reject) => {
    const socket = connect(path);
    let answer = '';
    // A holder whose event loop is busy may take a moment; it is alive all the same.
    const timer = setTimeout(() => {
      socket.destroy();
      resolveOwner('it did not say who it is');
    }, 2000);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('end', () => {
      clearTimeout(timer);
      resolveOwner(answer || 'it did not say who it is');
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (error.code === 'ECONNREFUSED' || error.code === 'ENOENT') resolveOwner(null);
      else reject(error);
    });
  });
}

function describeThisProcess(): string {
  const script = process.argv[1] ? basename(process.argv[1]) : 'node';
  const command = /^main\.(ts|js)$/.test(script) ? 'serve (npm start)' : process.argv.slice(2).join(' ') || script;
  return `pid ${process.pid}: ${command}, since ${new Date(Date.now() - process.uptime() * 1000).toISOString()}`;
}
