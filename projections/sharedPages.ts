import { EventEmitter } from 'node:events';
import type { LedgerEvent } from '../src/ledger/events.ts';
import type { Queryable } from './store/projectionTable.ts';
import { readProjectionEvents, type ProjectionSource } from './readProjectionEvents.ts';

export type SharedPagesMember = {
  read(after: number, limit: number): Promise<LedgerEvent[]>;
  leave(): void;
};

type Entry = { after: number; limit: number; page: Promise<LedgerEvent[]> };
export type PageRead = (after: number, limit: number) => Promise<LedgerEvent[]>;

const byDb = new WeakMap<object, ReturnType<typeof createSharedPages>>();

/** The shared pages of one database connection pool (one per process and Storage). */
export function sharedPagesOf(source: ProjectionSource) {
  const db = source.storage.db;
  let shared = byDb.get(db);
  if (!shared) byDb.set(db, (shared = createSharedPages((after, limit) => readProjectionEvents(source, after, limit))));
  return shared;
}

/**
 * Rebuilds of both projections in one process read the same ledger pages (from 0, with the same
 * page size, and the ledger is gapless, so the page boundaries coincide): one read serves both.
 * A member running more than `window` pages ahead of another waits for it (at most `maxWaitMs`
 * per page; a member twice as far behind, joined late or stalled, is not waited for), which keeps
 * the pages shared instead of read twice and bounds memory to about `2 × window` pages. One page
 * of read-ahead overlaps the read with the members' folding and writing.
 *
 * Only full pages are kept: a full page `(after, limit]` can never change, while a short one (the
 * tail of the ledger) might have grown since it was read, so a member handed someone else's short
 * page reads it again itself.
 */
export function createSharedPages(read: PageRead, options: { window?: number; maxWaitMs?: number } = {}) {
  const window = options.window ?? 4;
  const maxWaitMs = options.maxWaitMs ?? 2000;
  const entries = new Map<string, Entry>();
  const progress = new Map<SharedPagesMember, number>();
  const signal = new EventEmitter();
  signal.setMaxListeners(0);

  const keyOf = (after: number, limit: number) => `${after}:${limit}`;

  function fetch(after: number, limit: number): Entry {
    const key = keyOf(after, limit);
    const existing = entries.get(key);
    if (existing) return existing;
    const page = read(after, limit);
    const entry = { after, limit, page };
    entries.set(key, entry);
    page.then(
      (events) => {
        if (events.length < limit) entries.delete(key);
      },
      () => entries.delete(key),
    );
    return entry;
  }

  function evict(): void {
    const slowest = Math.min(...progress.values());
    for (const [key, entry] of entries) if (entry.after < slowest || progress.size === 0) entries.delete(key);
  }

  const nextProgress = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.off('progress', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.on('progress', done);
    });

  return {
    join(): SharedPagesMember {
      const member: SharedPagesMember = {
        async read(after, limit) {
          const deadline = Date.now() + maxWaitMs;
          for (;;) {
            const others = [...progress].filter(([m]) => m !== member).map(([, at]) => at);
            const gap = after - Math.min(Infinity, ...others);
            // Far behind (joined late, or stalled): it would not share these pages anyway.
            if (gap <= window * limit || gap > 2 * window * limit || Date.now() >= deadline) break;
            await nextProgress(Math.max(deadline - Date.now(), 1));
          }
          progress.set(member, after);
          signal.emit('progress');
          evict();
          const joined = entries.has(keyOf(after, limit));
          let events = await fetch(after, limit).page;
          if (joined && events.length < limit) events = await read(after, limit);
          const last = events[events.length - 1];
          if (events.length === limit && last) fetch(last.position, limit).page.catch(() => {});
          return events;
        },
        leave() {
          progress.delete(member);
          signal.emit('progress');
          evict();
        },
      };
      progress.set(member, 0);
      return member;
    },
  };
}
