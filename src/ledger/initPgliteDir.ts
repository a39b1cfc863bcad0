import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { readTemplate, unpackTemplate, type TemplateLocation } from './pgliteTemplate.ts';

export type InitOutcome = 'existing' | 'template' | 'initdb';

/**
 * Makes `dataDir` a PGlite cluster if it is not one yet: from the bundled template
 * (pgliteTemplate.ts) when it matches the installed PGlite, else — with a warning saying why — by
 * running initdb.
 */
export async function initPgliteDir(dataDir: string, startParams: string[], template?: TemplateLocation): Promise<InitOutcome> {
  if (existsSync(join(dataDir, 'PG_VERSION'))) return 'existing';
  const found = readTemplate(template);
  if ('tar' in found) {
    await unpackTemplate(found.tar, dataDir);
    return 'template';
  }
  process.emitWarning(`${found.unusable}; running initdb instead (a first start then takes ~0.9 GB for a moment)`, { code: 'LEDGER_PGLITE_TEMPLATE' });
  await runInitdb(dataDir, startParams);
  return 'initdb';
}

/**
 * The fallback: runs PGlite's initdb for a fresh data directory in a worker thread, so the memory it takes is
 * gone when the worker exits. Done in the service's own thread, initdb leaves two WebAssembly
 * instances of its own (a scratch PGlite and initdb itself, ~600 MB of WebAssembly memory
 * between them, measured) that V8 frees only on a full GC — which an idle service may not run
 * for a long time: the first start sat at ~880 MB RSS against ~420 MB for every later one.
 */
export async function runInitdb(dataDir: string, startParams: string[]): Promise<void> {
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
