import type { AccountIdentities } from './identities.ts';

/**
 * An account's follower list: persons 0…count-1 of its universe (generated, never stored) plus a
 * small overlay of test mutations — base persons who unfollowed, and extra openids who followed
 * later, appended in follow order. The list order is stable, so `next_openid` cursors work.
 */
export type FollowerBook = {
  total(): number;
  isFollower(openid: string): boolean;
  follow(openid: string, atSeconds: number): void;
  unfollow(openid: string): void;
  /** Up to `size` openids after `cursor` (the previous page's last openid); null for an unknown cursor. */
  page(cursor: string | undefined, size: number): string[] | null;
  /** Seconds since the epoch of the (latest) subscribe; null for a non-follower. */
  subscribeTime(openid: string): number | null;
};

// Base followers subscribed between 2017 and 2025, spread by a multiplicative hash of the index.
const EPOCH = 1_500_000_000;
const SPREAD = 250_000_000;

export function createFollowerBook(ids: AccountIdentities, count: number): FollowerBook {
  const removed = new Set<number>();
  const extras: string[] = [];
  const followedAt = new Map<string, number>();
  const baseOf = (openid: string) => {
    const person = ids.personOf(openid);
    return person !== null && person < count ? person : null;
  };

  const book: FollowerBook = {
    total: () => count - removed.size + extras.length,

    isFollower(openid) {
      const person = baseOf(openid);
      return person !== null ? !removed.has(person) : extras.includes(openid);
    },

    follow(openid, atSeconds) {
      const person = baseOf(openid);
      if (person !== null) removed.delete(person);
      else if (!extras.includes(openid)) extras.push(openid);
      followedAt.set(openid, atSeconds);
    },

    unfollow(openid) {
      const person = baseOf(openid);
      if (person !== null) removed.add(person);
      else if (extras.includes(openid)) extras.splice(extras.indexOf(openid), 1);
      followedAt.delete(openid);
    },

    page(cursor, size) {
      let from = 0;
      let extraFrom = 0;
      if (cursor) {
        const person = baseOf(cursor);
        if (person !== null) from = person + 1;
        else {
          const index = extras.indexOf(cursor);
          if (index < 0) return null;
          from = count;
          extraFrom = index + 1;
        }
      }
      const persons: number[] = [];
      for (let person = from; person < count && persons.length < size; person++) {
        if (!removed.has(person)) persons.push(person);
      }
      const openids = ids.openidsOf(persons);
      for (let i = extraFrom; i < extras.length && openids.length < size; i++) openids.push(extras[i] as string);
      return openids;
    },

    subscribeTime(openid) {
      if (!book.isFollower(openid)) return null;
      const at = followedAt.get(openid);
      if (at !== undefined) return at;
      const person = baseOf(openid) ?? 0;
      return EPOCH + (Math.imul(person + 1, 2654435761) >>> 0) % SPREAD;
    },
  };
  return book;
}
