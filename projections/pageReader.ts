import type { LedgerEvent } from '../src/ledger/events.ts';
import type { Queryable } from './store/projectionTable.ts';
import { readProjectionEvents } from './readProjectionEvents.ts';
import { sharedPagesOf, type SharedPagesMember } from './sharedPages.ts';

export type PageReader = {
  read(version: number, after: number, limit: number): Promise<LedgerEvent[]>;
  /** Drops the read-ahead and any membership (the target changed, or this daemon stopped leading). */
  reset(): void;
};

/**
 * Reads ledger pages for one applier with one page of read-ahead: after a full page, the next
 * one is already being read while this one is folded and written, so the database works on both
 * and a backlog drains at the speed of the slower of the two, not their sum.
 */
export function createPageReader(db: Queryable): PageReader {
  let ahead: { version: number; after: number; limit: number; page: Promise<LedgerEvent[]> } | null = null;

  const fetch = (after: number, limit: number) => {
    const page = readInFlight(db, after, limit);
    page.catch(() => {}); // surfaced when (and only if) the page is used
    return page;
  };

  return {
    async read(version, after, limit) {
      const ready = ahead && ahead.version === version && ahead.after === after && ahead.limit === limit ? ahead.page : null;
      ahead = null;
      const page = await (ready ?? fetch(after, limit));
      const last = page[page.length - 1];
      if (page.length === limit && last) ahead = { version, after: last.position, limit, page: fetch(last.position, limit) };
      return page;
    },
    reset() {
      ahead = null;
    },
  };
}

const inFlightByDb = new WeakMap<object, Map<string, Promise<LedgerEvent[]>>>();

/**
 * The same page asked for while it is being read is that read: both projections' live daemons
 * wake on the same commit and ask for the same tail at the same moment, and one statement serves
 * both. Nothing is kept once the read is done. A page joined this way may predate the joiner's
 * wake-up; the daemon reads again when a commit past the page's end has been announced.
 */
function readInFlight(db: Queryable, after: number, limit: number): Promise<LedgerEvent[]> {
  let inFlight = inFlightByDb.get(db);
  if (!inFlight) inFlightByDb.set(db, (inFlight = new Map()));
  const key = `${after}:${limit}`;
  const running = inFlight.get(key);
  if (running) return running;
  const page = readProjectionEvents(db, after, limit);
  inFlight.set(key, page);
  const forget = () => inFlight.delete(key);
  page.then(forget, forget);
  return page;
}

/**
 * The rebuild's reader: pages shared with the other projections' rebuilds in this process (see
 * sharedPages.ts). Joins on its first read, leaves on `reset`.
 */
export function createSharedPageReader(db: Queryable): PageReader {
  let member: SharedPagesMember | null = null;
  return {
    read(_version, after, limit) {
      member ??= sharedPagesOf(db).join();
      return member.read(after, limit);
    },
    reset() {
      member?.leave();
      member = null;
    },
  };
}
