import type { Publisher } from './publisher.ts';

/**
 * The embedded default's bus: no NATS. The relay runs all the same (its cursor moves as in
 * production); the events are only not sent anywhere — in-process code follows the ledger itself.
 */
export function createInProcessBus(): Publisher {
  return {
    name: 'in-process',
    connected: true,
    async publish(events) {
      return { acked: events.length };
    },
    async close() {},
  };
}
