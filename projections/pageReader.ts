import type { LedgerEvent } from '../src/ledger/events.ts';
import type { Queryable } from './store/projectionTable.ts';
import { readProjectionEvents, type ProjectionSource } from './readProjectionEvents.ts';
import { sharedPagesOf, type SharedPagesMember } from './sharedPages.ts';

export type PageReader = {
  /**
   * Up to `limit` events after `after`. `announced`: the highest commit position the caller has
   * heard announced; a page read before that announcement is not handed out short (it may lack
   * the announced commit) — it is read again.
   */
  read(version: number, after: number, limit: number, announced?: number): Promise<LedgerEvent[]>;
  /** Drops the read-ahead and any membership (the target changed, or this daemon stopped leading). */
  reset(): void;
};

type Read = { page: Promise<LedgerEvent[]>; announced: number };

/**
 * Reads ledger pages for one applier with one page of read-ahead: after a full page, the next
 * one is already being read while this one is folded and written, so the database works on both
 * and a backlog drains at the speed of the slower of the two, not their sum.
 */
export function createPageReader(source: ProjectionSource): PageReader {
  const db = source.storage.db;
  let ahead: (Read & { version: number; after: number; limit: number }) | null = null;

  const fetch = (after: number, limit: number, announced: number) => {
    const read = readInFlight(source, after, limit, announced);
    read.page.catch(() => {}); // surfaced when (and only if) the page is used
    return read;
  };

  return {
    async read(version, after, limit, announced = 0) {
      const ready = ahead && ahead.version === version && ahead.after === after && ahead.limit === limit ? ahead : null;
      ahead = null;
      const page = await pageOf(ready ?? fetch(after, limit, announced), limit, announced, () => fetch(after, limit, announced));
      const last = page[page.length - 1];
      if (page.length === limit && last) ahead = { version, after: last.position, limit, ...fetch(last.position, limit, announced) };
      return page;
    },
    reset() {
      ahead = null;
    },
  };
}

/** A full page never changes; a short one started before the caller's latest announcement is read again. */
async function pageOf(read: Read, limit: number, announced: number, again: () => Read): Promise<LedgerEvent[]> {
  const page = await read.page;
  if (page.length < limit && read.announced < announced) return again().page;
  return page;
}

const inFlightByDb = new WeakMap<object, Map<string, Read>>();

/**
 * The same page asked for while it is being read is that read: both projections' live daemons
 * wake on the same commit and ask for the same tail at the same moment, and one statement serves
 * both. Nothing is kept once the read is done. A joiner that has heard of a later commit than the
 * read had when it started does not join it (the read might miss that commit); it starts a
 * fresher read, which later joiners share.
 */
function readInFlight(source: ProjectionSource, after: number, limit: number, announced: number): Read {
  const db = source.storage.db;
  let inFlight = inFlightByDb.get(db);
  if (!inFlight) inFlightByDb.set(db, (inFlight = new Map()));
  const key = `${after}:${limit}`;
  const running = inFlight.get(key);
  if (running && running.announced >= announced) return running;
  const read: Read = { page: readProjectionEvents(source, after, limit), announced };
  inFlight.set(key, read);
  const forget = () => {
    if (inFlight.get(key) === read) inFlight.delete(key);
  };
  read.page.then(forget, forget);
  return read;
}

/**
 * The rebuild's reader: pages shared with the other projections' rebuilds in this process (see
 * sharedPages.ts). Joins on its first read, leaves on `reset`.
 */
export function createSharedPageReader(source: ProjectionSource): PageReader {
  let member: SharedPagesMember | null = null;
  return {
    read(_version, after, limit) {
      member ??= sharedPagesOf(source).join();
      return member.read(after, limit);
    },
    reset() {
      member?.leave();
      member = null;
    },
  };
}
