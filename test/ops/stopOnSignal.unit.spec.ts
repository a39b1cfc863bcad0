import { describe, expect, it } from 'vitest';
import { stopOnSignal } from '../../src/stopOnSignal.ts';

function harness(close: () => Promise<void>, timeoutMs = 60_000) {
  const handlers = new Map<string, () => void>();
  const exits: number[] = [];
  const logged: string[] = [];
  const log = (_obj: unknown, msg?: string) => void logged.push(String(msg));
  let exited: (code: number) => void = () => {};
  const exit = new Promise<number>((resolve) => (exited = resolve));
  stopOnSignal({
    close,
    timeoutMs,
    logger: { info: log, error: log } as never,
    on: (signal, handler) => void handlers.set(signal, handler),
    exit: (code) => {
      exits.push(code);
      exited(code);
    },
  });
  return { signal: (name: string) => handlers.get(name)!(), exits, logged, exit };
}

describe('stopOnSignal', () => {
  it('exits 0 once close resolves, and only once', async () => {
    const h = harness(() => Promise.resolve());
    h.signal('SIGINT');
    expect(await h.exit).toBe(0);
    expect(h.exits).toEqual([0]);
  });

  it('exits 1 when close fails, naming the failure in the log', async () => {
    const h = harness(() => Promise.reject(new Error('pool refused')));
    h.signal('SIGTERM');
    expect(await h.exit).toBe(1);
    expect(h.logged).toContain('shutdown failed');
  });

  it('exits 1 on a second signal while close is still running', async () => {
    const h = harness(() => new Promise<void>(() => {}));
    h.signal('SIGTERM');
    h.signal('SIGINT');
    expect(await h.exit).toBe(1);
    expect(h.exits).toEqual([1]);
  });
});
