import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getFollowStatus } from '../../projections/query/getFollowStatus.ts';
import { getUnionid } from '../../projections/query/getUnionid.ts';
import { getUser } from '../../projections/query/getUser.ts';
import { MAX_BATCH } from '../../projections/store/lookupBatch.ts';
import { MP, NEW_OA, OA } from './eventBuilder.ts';
import { appendAll, peopleEvents } from './support/backlog.ts';
import { startHarness, type Harness } from './support/projectionHarness.ts';

const PEOPLE = 60;

/** Every kind of answer: found, linked, converted, unsubscribed, conflicting, unknown; some asked twice. */
function lookups(db: Harness['storage']['db']): (() => Promise<unknown>)[] {
  const asks: (() => Promise<unknown>)[] = [];
  for (let i = 0; i < PEOPLE; i++) {
    asks.push(() => getUser(db, OA, `b-oa-${i}`));
    asks.push(() => getUser(db, MP, `b-mp-${i}`));
    asks.push(() => getUnionid(db, `b-u-${i}`));
    asks.push(() => getFollowStatus(db, { appid: OA, unionid: `b-u-${i}` }));
    asks.push(() => getFollowStatus(db, { appid: OA, viaAppid: MP, viaOpenid: `b-mp-${i}` }));
    if (i % 11 === 0) asks.push(() => getUser(db, NEW_OA, `b-new-${i}`));
    if (i % 13 === 0) asks.push(() => getUnionid(db, `b-u-${i}-conflict`));
    if (i % 3 === 0) asks.push(() => getUser(db, OA, `b-oa-${i}`), () => getUnionid(db, `b-u-${i}`));
  }
  asks.push(() => getUser(db, OA, 'nobody'), () => getUnionid(db, 'nobody'), () => getFollowStatus(db, { appid: OA, unionid: 'nobody' }));
  asks.push(() => getFollowStatus(db, { appid: OA, viaAppid: MP, viaOpenid: 'nobody' }));
  return asks;
}

describe.each(['postgres', 'pglite'] as const)('lookups asked together answer as one by one (%s)', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(kind);
    await h.runner.waitFor(await appendAll(h.ledger, peopleEvents(PEOPLE, 'b')));
  });
  afterAll(async () => {
    await h?.close();
  });

  it('gives every lookup its own answer, in batches of every size', async () => {
    const asks = lookups(h.storage.db);
    // More of each kind than one statement carries: full batches, a padded remainder.
    expect(asks.length).toBeGreaterThan(5 * MAX_BATCH);
    const oneByOne: unknown[] = [];
    for (const ask of asks) oneByOne.push(await ask());
    const together = await Promise.all(asks.map((ask) => ask()));
    expect(together).toEqual(oneByOne);
    // The population has each kind of answer, so the comparison compares something.
    expect(oneByOne.filter((answer) => answer === null).length).toBeGreaterThan(3);
    expect(oneByOne).toContainEqual(expect.objectContaining({ convertedFrom: { appid: OA, openid: 'b-oa-0' } }));
    expect(oneByOne).toContainEqual(expect.objectContaining({ linked: [{ appid: MP, openid: 'b-mp-2', kind: 'mp' }] }));
    expect(oneByOne).toContainEqual({ subscribed: true, openid: 'b-oa-2' });
    expect(oneByOne).toContainEqual({ subscribed: false, openid: 'b-oa-10' });
    expect(oneByOne).toContainEqual({ subscribed: false, openid: null });
  });
});
