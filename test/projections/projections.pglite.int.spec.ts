import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getFollowStatus } from '../../projections/query/getFollowStatus.ts';
import { getUnionid } from '../../projections/query/getUnionid.ts';
import { getUser } from '../../projections/query/getUser.ts';
import { listFollowers } from '../../projections/query/listFollowers.ts';
import { verifyProjections } from '../../projections/verifyProjections.ts';
import { configuredAccounts as ctx } from './context.ts';
import { at, MP, OA } from './eventBuilder.ts';
import { appendAll, peopleEvents } from './support/backlog.ts';
import { newEvents as e } from './support/newIdentityEvents.ts';
import { startHarness, type Harness } from './support/projectionHarness.ts';

// The embedded default: one PGlite connection shared by the ledger, both daemons and queries.
describe('projections on PGlite (smoke)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('pglite');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('folds, answers queries, rebuilds blue/green and verifies', async () => {
    await h.append(e.login(MP, 'mp1', 'u1', { minute: 1 }), e.subscribed(OA, 'oa1', { minute: 2, scene: 'qrscene_7' }));
    await h.append(e.resolved(OA, 'oa1', 'u1', 'user_info', { minute: 3 }));
    expect(await getUser(h.storage.db, MP, 'mp1')).toEqual({
      appid: MP, openid: 'mp1', kind: 'mp', unionid: 'u1', follow: null,
      linked: [{ appid: OA, openid: 'oa1', kind: 'oa' }], convertedTo: null, convertedFrom: null,
    });
    expect(await getFollowStatus(h.storage.db, { appid: OA, viaAppid: MP, viaOpenid: 'mp1' })).toEqual({ subscribed: true, openid: 'oa1' });
    expect((await getUnionid(h.storage.db, 'u1'))?.accounts).toHaveLength(2);
    expect(await listFollowers(h.storage.db, OA, { limit: 10 })).toEqual({
      followers: [{ openid: 'oa1', subscribedAt: at(2), scene: 'qrscene_7', unionid: 'u1' }],
      next: null,
    });

    const head = await appendAll(h.ledger, peopleEvents(300, 'lite'));
    const rebuilt = await Promise.all([h.runner.rebuild('identity-links'), h.runner.rebuild('follow-state')]);
    expect(rebuilt.map((r) => r.version)).toEqual([2, 2]);
    await h.runner.waitFor(head);
    expect((await getUser(h.storage.db, MP, 'mp1'))?.linked).toEqual([{ appid: OA, openid: 'oa1', kind: 'oa' }]);
    const verified = await verifyProjections(h.ledger, ctx);
    expect(verified.map((v) => [v.name, v.version, v.ok, v.checkpoint])).toEqual([
      ['identity-links', 2, true, head],
      ['follow-state', 2, true, head],
      ['daily-stats', 1, true, head],
    ]);
  });
});
