import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * Runs PGlite's initdb for a fresh data directory in a worker thread, so the memory it takes is
 * gone when the worker exits. Done in the service's own thread, initdb leaves two WebAssembly
 * instances of its own (a scratch PGlite and initdb itself, ~600 MB of WebAssembly memory
 * between them, measured) that V8 frees only on a full GC — which an idle service may not run
 * for a long time: the first start sat at ~880 MB RSS against ~420 MB for every later one.
 */
export async function initPgliteDir(dataDir: string, startParams: string[]): Promise<void> {
  if (existsSync(join(dataDir, 'PG_VERSION'))) return;
  // Resolved here, not in the worker: the worker's eval code resolves from the working directory.
  const pglite = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const worker = new Worker(
    `const { workerData } = require('node:worker_threads');
     const { PGlite } = require(workerData.pglite);
     (async () => {
       const pg = new PGlite(workerData.dataDir, { startParams: workerData.startParams });
       await pg.waitReady;
       await pg.close();
     })().catch((error) => { setImmediate(() => { throw error; }); });`,
    { eval: true, workerData: { pglite, dataDir, startParams } },
  );
  await new Promise<void>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`PGlite initdb of ${dataDir} failed (worker exit ${code})`))));
  });
}
