import type { LedgerEvent } from '../ledger/events.ts';

/**
 * Where the outbox relay sends events. `publish` sends a page in order and resolves with how
 * many of them, from the start, are acknowledged; the relay advances its cursor by exactly that.
 */
export type Publisher = {
  name: string;
  publish(events: LedgerEvent[]): Promise<{ acked: number; error?: Error }>;
  readonly connected: boolean;
  close(): Promise<void>;
};
