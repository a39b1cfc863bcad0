import type { NewEvent } from '../../../src/ledger/events.ts';
import { createLedger, type Ledger } from '../../../src/ledger/ledger.ts';
import type { Storage } from '../../../src/ledger/openStorage.ts';
import { createProjectionRunner, type ProjectionRunner, type ProjectionRunnerOptions } from '../../../projections/projectionRunner.ts';
import { openTestStorage } from '../../support/testDatabase.ts';
import { configuredAccounts } from '../context.ts';

export type Harness = {
  storage: Storage;
  url: string | null;
  ledger: Ledger;
  runner: ProjectionRunner;
  /** Appends, then waits until both projections have folded the events (read-your-writes). */
  append(...events: NewEvent[]): Promise<number>;
  close(): Promise<void>;
};

/** A fresh database, a ledger and a running projection runner over it. */
export async function startHarness(
  kind: 'postgres' | 'pglite' = 'postgres',
  options: Partial<Omit<ProjectionRunnerOptions, 'ledger'>> = {},
): Promise<Harness> {
  const env = await openTestStorage(kind);
  const ledger = createLedger(env.storage);
  const runner = createProjectionRunner({ ctx: configuredAccounts, ...options, ledger }).start();
  return {
    storage: env.storage,
    url: env.url,
    ledger,
    runner,
    async append(...events) {
      const result = await ledger.append(events);
      const position = Math.max(0, ...result.events.map((e) => e.position));
      await runner.waitFor(position);
      return position;
    },
    async close() {
      await runner.stop();
      await ledger.close();
      await env.cleanup();
    },
  };
}
