import { Worker } from 'node:worker_threads';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hostileBodies, MiB } from './hostileBodies.ts';
import type { HostileParseRequest } from './hostileParse.ts';

/**
 * 1 MiB bodies shaped for super-linear parsing (the 116k unterminated `<![CDATA[` took
 * ~6×10¹⁰ steps) must be parsed or refused. The parse runs in a worker so that the per-test
 * timeout can fire during it: 2 s is ~40× what a linear pass takes on a slow, busy machine
 * (bench/parseXml.ts) and minutes short of what the quadratic one took — no duration is asserted.
 */
const PER_TEST_MS = 2_000;

describe('hostile bodies parse in linear time', () => {
  let worker: Worker;
  let pending: ((outcome: string) => void) | null = null;
  const run = (request: HostileParseRequest) =>
    new Promise<string>((resolve) => {
      pending = resolve;
      worker.postMessage(request);
    });
  const start = async () => {
    worker = new Worker(new URL('./hostileParseWorker.mjs', import.meta.url));
    await new Promise<void>((ready, failed) => {
      worker.once('error', failed);
      worker.once('message', () => ready());
    });
    worker.on('message', (answer: { outcome: string }) => {
      const resolve = pending;
      pending = null;
      resolve?.(answer.outcome);
    });
    // One small parse first, so the tests below do not pay for loading and compiling the parser.
    await run({ index: 0, size: 1024 });
  };

  beforeAll(start);
  // A parse still running after its test timed out would hold up every later test: start afresh.
  afterEach(async () => {
    if (pending === null) return;
    pending = null;
    await worker.terminate();
    await start();
  });
  afterAll(async () => {
    await worker?.terminate();
  });

  hostileBodies(MiB).forEach((shape, index) => {
    it(`${shape.name} → ${shape.outcomes.join(' or ')}`, { timeout: PER_TEST_MS }, async () => {
      expect(shape.outcomes).toContain(await run({ index, size: MiB }));
    });
  });

  it('finds a declaration after 1 MiB of unterminated <![CDATA[, and none without one', { timeout: PER_TEST_MS }, async () => {
    expect(await run({ declarationScan: '<![CDATA[', size: MiB })).toBe('false/true');
    expect(await run({ declarationScan: '<![CDATA[x]]><!--', size: MiB })).toBe('false/true');
  });
});
