import { describe, expect, it } from 'vitest';
import { WechatApiError } from '../../../src/wechat/api/errcodes.ts';
import { lookupUnionids } from '../../../src/wechat/api/lookupUnionids.ts';
import type { UserInfo } from '../../../src/wechat/api/user.ts';

const info = (openid: string, unionid: string | null): UserInfo => ({ openid, subscribed: unionid !== null, unionid, subscribeTime: null, subscribeScene: null, qrSceneStr: null });

/** batchget as WeChat answers it: one openid it does not accept fails the whole call with 40003. */
function fakeUser(refused: ReadonlySet<string> = new Set(), unionidOf = (openid: string): string | null => `u-${openid}`) {
  const calls: string[][] = [];
  return {
    calls,
    user: {
      async batchGetUserInfo(openids: readonly string[]) {
        calls.push([...openids]);
        if (openids.some((openid) => refused.has(openid))) {
          throw new WechatApiError({ kind: 'invalid_openid', errcode: 40003, errmsg: 'invalid openid', api: 'user/info/batchget', appid: 'wx' });
        }
        return openids.map((openid) => info(openid, unionidOf(openid)));
      },
    },
  };
}

const openids = (n: number) => Array.from({ length: n }, (_, i) => `o-${i}`);

describe('lookupUnionids', () => {
  it('asks batchget 100 openids a call and answers every openid in order', async () => {
    const wechat = fakeUser(new Set(), (openid) => (openid === 'o-7' ? null : `u-${openid}`));
    const answers = await lookupUnionids(wechat.user, openids(250));
    expect(wechat.calls.map((call) => call.length)).toEqual([100, 100, 50]);
    expect(answers.map((a) => a.openid)).toEqual(openids(250));
    expect(answers[7]).toEqual({ openid: 'o-7', unionid: null });
    expect(answers[8]).toEqual({ openid: 'o-8', unionid: 'u-o-8' });
  });

  it('splits a call one refused openid fails in halves: that openid alone gets no unionid, the others theirs', async () => {
    const wechat = fakeUser(new Set(['o-42']));
    const answers = await lookupUnionids(wechat.user, openids(100));
    expect(answers.filter((a) => a.unionid === null)).toEqual([{ openid: 'o-42', unionid: null }]);
    expect(answers.filter((a) => a.unionid !== null)).toHaveLength(99);
    // Every openid but o-42 is answered by exactly one call that succeeded; o-42 is finally asked alone.
    expect(wechat.calls.filter((call) => !call.includes('o-42')).flat().sort()).toEqual(openids(100).filter((o) => o !== 'o-42').sort());
    expect(wechat.calls).toContainEqual(['o-42']);
    // Halving: two calls per level below the first, 7 levels for 100 openids.
    expect(wechat.calls.length).toBeLessThanOrEqual(1 + 2 * 7);
  });

  it('makes every call through the wrapper (a job retries each)', async () => {
    const wechat = fakeUser(new Set(['o-1']));
    const wrapped: string[] = [];
    await lookupUnionids(wechat.user, openids(4), (api, call) => {
      wrapped.push(api);
      return call();
    });
    expect(wrapped).toHaveLength(wechat.calls.length);
    expect(new Set(wrapped)).toEqual(new Set(['user/info/batchget']));
  });

  it('throws any other failure', async () => {
    const busy = new WechatApiError({ kind: 'upstream_failure', errcode: -1, errmsg: 'system busy', api: 'user/info/batchget', appid: 'wx' });
    await expect(lookupUnionids({ batchGetUserInfo: async () => Promise.reject(busy) }, openids(3))).rejects.toBe(busy);
  });
});
