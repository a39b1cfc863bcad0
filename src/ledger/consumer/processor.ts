import type { LedgerEvent } from '../events.ts';

/**
 * One read of the ledger: events in position order, gapless from just after the position it was
 * read after. A consumer's read function may hand more along with the events (whatever the
 * processors need to know about the read); the consumer passes the page on untouched.
 */
export type LedgerPage = { readonly events: readonly LedgerEvent[] };

/** A page handed to one processor. */
export type Delivery<P extends LedgerPage = LedgerPage> = {
  page: P;
  /**
   * The processor's position when the page was read: the page holds every event after it (up to
   * its last one). The events at or before it are someone else's work, or already done.
   */
  after: number;
  /** The read returned as many events as it may: more follow at once, so this is not the head. */
  full: boolean;
};

/**
 * What follows the ledger, driven by a consumer (ledgerConsumer.ts): the consumer leads, reads
 * and wakes; a processor only keeps its checkpoint and handles pages. A processor never has two
 * pages in hand at once, and the consumer starts it only while it leads.
 */
export type Processor<P extends LedgerPage = LedgerPage> = {
  readonly name: string;
  /**
   * Where this processor stands: the last position it has handled, read from wherever it keeps
   * its checkpoint. Called each time its consumer becomes leader, after an error of this
   * processor, and when asked to (`refresh`). Null: it follows nothing for now (a rebuild with
   * nothing to build); asked again at every safety poll and `refresh`.
   */
  checkpoint(): Promise<number | null>;
  /**
   * Handles the events of `delivery.page` after `delivery.after` (none: it has caught up with the
   * head, as of the read) and resolves with how far it got:
   * usually the page's last position; less when it could take only part of the page now (the rest
   * is handed to it again after the consumer's retry pause); null when it follows nothing any
   * more. Throwing means "retry later from my checkpoint".
   */
  handle(delivery: Delivery<P>): Promise<number | null>;
  /**
   * After failures in a row, the pause before the next try doubles from the consumer's retry
   * pause up to this (ms); the first success resets it. Unset: the consumer's pause, always. For
   * a processor whose failures can last (an outside service down) and whose every try costs a
   * page read and outside calls.
   */
  readonly maxRetryMs?: number;
  /** On an instance that does not lead, at each attempt for the lock: refresh what it reports. */
  observe?(): Promise<void>;
  /** This instance stops leading (or stops): drop what is held in memory; the next leader resumes from the checkpoint. */
  pause?(): Promise<void>;
};
