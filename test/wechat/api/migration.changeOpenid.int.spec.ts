import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isWechatApiError } from '../../../src/wechat/api/errcodes.ts';
import { startFixture, type Fixture } from './simulatorFixture.ts';

const OLD = { appid: 'wxoldoa0000000001', secret: 'old-secret', kind: 'oa' as const, originalId: 'gh_oldoa000001' };
const NEW = { appid: 'wxnewoa0000000001', secret: 'new-secret', kind: 'oa' as const };
const DAY = 86_400_000;

describe('changeopenid', () => {
  let fixture: Fixture;

  beforeAll(async () => {
    fixture = await startFixture({
      accounts: [
        { ...OLD, seed: 'migration', followers: { count: 1000 } },
        { ...NEW, seed: 'migration', followers: { count: 0 }, migration: { fromAppid: OLD.appid, migratedAt: new Date() } },
      ],
    });
  });
  afterAll(() => fixture?.close());
  beforeEach(() => fixture.simulator.state.resetCounts());

  it('maps followers of the old account; non-followers fail per item inside errcode 0', async () => {
    const { state } = fixture.simulator;
    const client = fixture.client(NEW);
    state.unfollow(OLD.appid, state.openidOf(OLD.appid, 3));
    const openids = [0, 1, 2, 3].map((i) => state.openidOf(OLD.appid, i));
    const results = await client.migration.changeOpenid({ fromAppid: OLD.appid, openids: [...openids, 'oSomebodyElse'] });
    expect(results.map((r) => r.ok)).toEqual([true, true, true, false, false]);
    expect(results[0]).toEqual({ ok: true, oriOpenid: openids[0], newOpenid: state.openidOf(NEW.appid, 0) });
    expect(results[3]).toEqual({ ok: false, oriOpenid: openids[3], errMsg: 'ori_openid error' });
    // Deterministic: asking again gives the same new openid.
    const again = await client.migration.changeOpenid({ fromAppid: OLD.appid, openids: [openids[0] as string] });
    expect(again[0]).toEqual(results[0]);
  });

  it('chunks by 100 and accepts the gh_ original id as from_appid', async () => {
    const { state } = fixture.simulator;
    const client = fixture.client(NEW);
    const openids = Array.from({ length: 250 }, (_, i) => state.openidOf(OLD.appid, 100 + i));
    const results = await client.migration.changeOpenid({ fromAppid: OLD.originalId, openids });
    expect(results).toHaveLength(250);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(state.callCount('changeopenid')).toBe(3);
  });

  it('63178 without a migration relation', async () => {
    const client = fixture.client(NEW);
    const error = await client.migration.changeOpenid({ fromAppid: 'wxunrelated0000001', openids: ['o1'] }).catch((e: unknown) => e);
    expect(isWechatApiError(error, 'no_migration_relation')).toBe(true);
    expect(error).toMatchObject({ errcode: 63178, status: 400, code: 'wechat_no_migration_relation' });
  });

  it('stops working 15 days after the migration', async () => {
    const { state } = fixture.simulator;
    const client = fixture.client(NEW);
    state.advanceTime(16 * DAY);
    try {
      await expect(
        client.migration.changeOpenid({ fromAppid: OLD.appid, openids: [state.openidOf(OLD.appid, 0)] }),
      ).rejects.toMatchObject({ kind: 'no_migration_relation' });
    } finally {
      state.advanceTime(-16 * DAY);
    }
  });
});
