import type { LedgerEvent } from '../../src/ledger/events.ts';
import type { Ledger } from '../../src/ledger/ledger.ts';
import type { ReadFilter } from '../../src/ledger/readEvents.ts';
import { MAX_READ_LIMIT } from '../../src/ledger/readEvents.ts';
import { followState } from '../followState/index.ts';
import { identityLinks, linkedAccounts } from '../identityLinks/index.ts';
import { keyOf, type Key } from '../key.ts';
import type { ProjectionContext } from '../projection.ts';
import { followView, userView, type UserView } from './userView.ts';

/**
 * A pathological web of conflicting claims (or one key with a huge history) must not turn one
 * request into a ledger scan: past these, the request is refused (422) rather than answered from
 * a truncated history, which could be wrong.
 */
export const AS_OF_MAX_READS = 100;
export const AS_OF_MAX_EVENTS = 50_000;

/** The history `?asOf` would have to fold is beyond what one request may read. */
export class AsOfTooBroadError extends Error {
  override name = 'AsOfTooBroadError';
  readonly code = 'as_of_too_broad';
  readonly status = 422;
}

/**
 * The user as the projections would have shown it at `asOf`, answered from the ledger: the same
 * folds over the events, with event time ≤ asOf, of the user and of everyone its row can depend
 * on — users sharing a unionid it claims (linked accounts) and both ends of conversions (a
 * converted row inherits the unionid of the row it came from), followed transitively.
 */
export async function getUserAsOf(ledger: Ledger, appid: string, openid: string, asOf: Date, ctx: ProjectionContext): Promise<UserView | null> {
  const cutoff = asOf.getTime();
  if (Number.isNaN(cutoff)) throw new RangeError('asOf is not a time');
  const events = await collectEvents(ledger, { appid, openid });
  const history = [...events.values()].sort((a, b) => a.position - b.position).filter((e) => Date.parse(e.occurredAt) <= cutoff);
  const identities = identityLinks.foldAll(history, ctx);
  const identity = identities.get(keyOf(appid, openid));
  if (!identity) return null;
  const follow = followState.foldAll(history, ctx).get(keyOf(appid, openid));
  const linked = identity.unionid === null ? [] : linkedAccounts(identities, identity.unionid);
  return userView(identity, followView(follow), linked);
}

async function collectEvents(ledger: Ledger, start: Key): Promise<Map<number, LedgerEvent>> {
  const events = new Map<number, LedgerEvent>();
  const keysSeen = new Set<string>([keyOf(start.appid, start.openid)]);
  const unionidsSeen = new Set<string>();
  const keys: Key[] = [start];
  const unionids: string[] = [];
  let reads = 0;
  const discover = (page: readonly LedgerEvent[]) => {
    for (const event of page) {
      events.set(event.position, event);
      for (const key of [...identityLinks.keysOf(event), ...followState.keysOf(event)]) {
        const id = keyOf(key.appid, key.openid);
        if (keysSeen.has(id)) continue;
        keysSeen.add(id);
        keys.push(key);
      }
      const unionid = (event.data as { unionid?: unknown }).unionid;
      if (typeof unionid === 'string' && !unionidsSeen.has(unionid)) {
        unionidsSeen.add(unionid);
        unionids.push(unionid);
      }
    }
    if (events.size > AS_OF_MAX_EVENTS) throw tooBroad(`more than ${AS_OF_MAX_EVENTS} events`);
  };
  // Every key and unionid still to read costs at least one read: refuse as soon as they cannot fit.
  const read = (filter: ReadFilter) => {
    if (reads + keys.length + unionids.length >= AS_OF_MAX_READS) throw tooBroad(`more than ${AS_OF_MAX_READS} ledger reads`);
    reads++;
    return ledger.read(filter);
  };
  while (keys.length > 0 || unionids.length > 0) {
    const key = keys.shift();
    if (key) await readAll(read, { appid: key.appid, openid: key.openid }, discover);
    else await readAll(read, { unionid: unionids.shift()! }, discover);
  }
  return events;
}

function tooBroad(what: string): AsOfTooBroadError {
  return new AsOfTooBroadError(`this user's history reaches too far to answer ?asOf (${what}: linked accounts and conflicting claims); ask without asOf`);
}

async function readAll(read: (filter: ReadFilter) => Promise<LedgerEvent[]>, filter: ReadFilter, onPage: (page: readonly LedgerEvent[]) => void): Promise<void> {
  let after = 0;
  for (;;) {
    const page = await read({ ...filter, after, limit: MAX_READ_LIMIT });
    onPage(page);
    if (page.length < MAX_READ_LIMIT) return;
    after = page[page.length - 1]!.position;
  }
}
