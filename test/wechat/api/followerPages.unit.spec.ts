import { describe, expect, it } from 'vitest';
import type { AccessTokenProvider } from '../../../src/wechat/api/accessToken.ts';
import type { WechatHttp, WechatRequest } from '../../../src/wechat/api/httpClient.ts';
import { createUserApi } from '../../../src/wechat/api/user.ts';

/** HTTP mocked by URL (wechatpy's way): each call of user/get answers the next fixture. */
function pagesOf(answers: Record<string, unknown>[]) {
  const requests: WechatRequest[] = [];
  const http: WechatHttp = {
    appid: 'wx1',
    async call(request) {
      requests.push(request);
      const answer = answers.shift();
      if (!answer) throw new Error('called past the end');
      return answer;
    },
  };
  const token: AccessTokenProvider = { get: async () => 'T', withToken: (call) => call('T') };
  return { api: createUserApi('wx1', http, token), requests };
}

async function collect(api: ReturnType<typeof pagesOf>['api']) {
  const pages = [];
  for await (const page of api.followerPages()) pages.push(page);
  return pages;
}

describe('followerPages stop rule', () => {
  it('continues past a last page that still has a next_openid, stops on count 0 without data', async () => {
    const { api, requests } = pagesOf([
      { total: 3, count: 2, data: { openid: ['A', 'B'] }, next_openid: 'B' },
      { total: 3, count: 1, data: { openid: ['C'] }, next_openid: 'C' },
      { total: 3, count: 0, next_openid: '' },
    ]);
    const pages = await collect(api);
    expect(pages.map((p) => p.openids)).toEqual([['A', 'B'], ['C']]);
    expect(requests.map((r) => r.query?.next_openid)).toEqual([undefined, 'B', 'C']);
  });

  it('stops on a page without data even if count is not 0', async () => {
    const { api } = pagesOf([{ total: 5, count: 2, data: { openid: ['A', 'B'] }, next_openid: 'B' }, { total: 5, count: 3, next_openid: 'X' }]);
    expect((await collect(api)).length).toBe(1);
  });

  it('an empty account answers count 0 at once', async () => {
    const { api } = pagesOf([{ total: 0, count: 0, next_openid: '' }]);
    expect(await collect(api)).toEqual([]);
  });

  it('does not restart from the top when a page with data has an empty next_openid', async () => {
    const { api, requests } = pagesOf([{ total: 2, count: 2, data: { openid: ['A', 'B'] }, next_openid: '' }]);
    expect((await collect(api)).length).toBe(1);
    expect(requests).toHaveLength(1);
  });
});
