// Runs hostile parses off the test's thread, so a per-test timeout can fire (and the worker be
// terminated) even while a parse is stuck in super-linear work. Plain JS: a worker thread does
// not get vitest's TypeScript transform, so it registers tsx itself.
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { runHostileParse } = await import('./hostileParse.ts');
parentPort.on('message', (request) => parentPort.postMessage(runHostileParse(request)));
parentPort.postMessage({ ready: true });
