import type { CompiledQuery } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getFollowStatus } from '../../projections/query/getFollowStatus.ts';
import { getUnionid } from '../../projections/query/getUnionid.ts';
import { getUser } from '../../projections/query/getUser.ts';
import { MAX_BATCH } from '../../projections/store/lookupBatch.ts';
import type { Queryable } from '../../projections/store/projectionTable.ts';
import { PREPARED } from '../../src/ledger/openStorage.ts';
import { MP, NEW_OA, OA } from './eventBuilder.ts';
import { appendAll, peopleEvents } from './support/backlog.ts';
import { newEvents as e } from './support/newIdentityEvents.ts';
import { startHarness, type Harness } from './support/projectionHarness.ts';

const PEOPLE = 60;
type Kind = 'user' | 'unionid' | 'follow by unionid' | 'follow via';
type Ask = { kind: Kind; ask: (db: Queryable) => Promise<unknown> };

const user = (appid: string, openid: string): Ask => ({ kind: 'user', ask: (db) => getUser(db, appid, openid) });
const unionid = (u: string): Ask => ({ kind: 'unionid', ask: (db) => getUnionid(db, u) });
const followByUnionid = (u: string): Ask => ({ kind: 'follow by unionid', ask: (db) => getFollowStatus(db, { appid: OA, unionid: u }) });
const followVia = (openid: string): Ask => ({ kind: 'follow via', ask: (db) => getFollowStatus(db, { appid: OA, viaAppid: MP, viaOpenid: openid }) });

/** Every kind of answer: found, linked, converted, unsubscribed, conflicting, unknown; some asked twice. */
function lookups(): Ask[] {
  const asks: Ask[] = [];
  for (let i = 0; i < PEOPLE; i++) {
    asks.push(user(OA, `b-oa-${i}`), user(MP, `b-mp-${i}`), unionid(`b-u-${i}`), followByUnionid(`b-u-${i}`), followVia(`b-mp-${i}`));
    if (i % 11 === 0) asks.push(user(NEW_OA, `b-new-${i}`));
    if (i % 13 === 0) asks.push(unionid(`b-u-${i}-conflict`));
    if (i % 3 === 0) asks.push(user(OA, `b-oa-${i}`), unionid(`b-u-${i}`));
  }
  asks.push(user(OA, 'nobody'), unionid('nobody'), followByUnionid('nobody'), followVia('nobody'));
  // One person, two OA openids: the older follows, the newer does not — the follower wins.
  asks.push(followByUnionid('b-u-two'), followVia('b-mp-two'), unionid('b-u-two'));
  return asks;
}

/** The database, counting the lookup statements sent through it. */
function counting(db: Queryable): { db: Queryable; statements: () => number } {
  let statements = 0;
  const proxy = new Proxy(db, {
    get(target, property) {
      if (property === 'executeQuery') {
        return (query: CompiledQuery) => {
          if (query.sql.startsWith(PREPARED)) statements++;
          return target.executeQuery(query);
        };
      }
      const value = Reflect.get(target, property) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { db: proxy, statements: () => statements };
}

describe.each(['postgres', 'pglite'] as const)('lookups asked together answer as one by one (%s)', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(kind);
    await appendAll(h.ledger, [
      ...peopleEvents(PEOPLE, 'b'),
      e.subscribed(OA, 'b-two-old', { minute: 1 }),
      e.resolved(OA, 'b-two-old', 'b-u-two', 'user_info', { minute: 2 }),
      e.login(MP, 'b-mp-two', 'b-u-two', { minute: 3 }),
      e.resolved(OA, 'b-two-new', 'b-u-two', 'user_info', { minute: 4 }),
    ]);
    await h.runner.waitFor(await h.ledger.head());
  });
  afterAll(async () => {
    await h?.close();
  });

  it('gives every lookup its own answer, in one statement per kind and MAX_BATCH lookups', async () => {
    const asks = lookups();
    // More of each kind than one statement carries: full batches, a padded remainder.
    expect(asks.length).toBeGreaterThan(5 * MAX_BATCH);
    const oneByOne: unknown[] = [];
    for (const { ask } of asks) oneByOne.push(await ask(h.storage.db));

    const { db, statements } = counting(h.storage.db);
    const together = await Promise.all(asks.map(({ ask }) => ask(db)));
    expect(together).toEqual(oneByOne);
    const perKind = new Map<Kind, number>();
    for (const { kind } of asks) perKind.set(kind, (perKind.get(kind) ?? 0) + 1);
    expect(statements()).toBe([...perKind.values()].reduce((sum, n) => sum + Math.ceil(n / MAX_BATCH), 0));

    // The population has each kind of answer, so the comparison compares something.
    expect(oneByOne.filter((answer) => answer === null).length).toBeGreaterThan(3);
    expect(oneByOne).toContainEqual(expect.objectContaining({ convertedFrom: { appid: OA, openid: 'b-oa-0' } }));
    expect(oneByOne).toContainEqual(expect.objectContaining({ linked: [{ appid: MP, openid: 'b-mp-2', kind: 'mp' }] }));
    expect(oneByOne).toContainEqual({ subscribed: true, openid: 'b-oa-2' });
    expect(oneByOne).toContainEqual({ subscribed: false, openid: 'b-oa-10' });
    expect(oneByOne).toContainEqual({ subscribed: false, openid: null });
    // The follower first, though the other openid with that unionid is the newer row; both ways of asking.
    expect(oneByOne.slice(-3, -1)).toEqual([
      { subscribed: true, openid: 'b-two-old' },
      { subscribed: true, openid: 'b-two-old' },
    ]);
    expect((oneByOne.at(-1) as { accounts: { openid: string }[] }).accounts.map((a) => a.openid)).toEqual(['b-mp-two', 'b-two-new', 'b-two-old']);
  });

  it("fails only the lookup whose value PostgreSQL cannot take (NUL), not the others of its batch", async () => {
    const results = await Promise.allSettled([
      getUser(h.storage.db, OA, 'b-oa-1'),
      getUser(h.storage.db, OA, 'bad\u0000openid'),
      getUser(h.storage.db, MP, 'b-mp-1'),
      getUnionid(h.storage.db, 'bad\u0000unionid'),
      getUnionid(h.storage.db, 'b-u-1'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled']);
    expect(results[0]).toMatchObject({ value: { appid: OA, openid: 'b-oa-1' } });
    expect(results[4]).toMatchObject({ value: { unionid: 'b-u-1' } });
  });
});
