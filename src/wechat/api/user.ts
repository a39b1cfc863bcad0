import { z } from 'zod';
import type { AccessTokenProvider } from './accessToken.ts';
import { chunked } from './chunked.ts';
import type { WechatHttp } from './httpClient.ts';
import { parseAnswer } from './parseAnswer.ts';

export type FollowerPage = {
  total: number;
  count: number;
  openids: string[];
  /** WeChat's `next_openid`: pass it to get the page after this one. The last page still has one. */
  nextOpenid: string;
};

export type UserInfo = {
  openid: string;
  subscribed: boolean;
  /** Present only when the OA is bound to an Open Platform account (and the user follows). */
  unionid: string | null;
  /** Seconds since the epoch, as WeChat sends it; the latest subscribe when there were several. */
  subscribeTime: number | null;
  subscribeScene: string | null;
  qrSceneStr: string | null;
};

export type UserApi = {
  /** One page of `cgi-bin/user/get` (≤ 10,000 openids). */
  getFollowers(nextOpenid?: string): Promise<FollowerPage>;
  /**
   * Every page from `startCursor` on. Each page comes with `cursor`, the value that fetched it;
   * persist `page.nextOpenid` after processing a page to resume after it. Stops on a page with
   * `count == 0` or without `data` — not on an empty `next_openid`, which WeChat does not send
   * at the end (the last page carries its last openid, the call after it returns count 0).
   */
  followerPages(startCursor?: string): AsyncGenerator<FollowerPage & { cursor: string | null }, void, undefined>;
  /** `cgi-bin/user/info`. A user who does not follow comes back with `subscribed: false` and nothing else. */
  userInfo(openid: string): Promise<UserInfo>;
  /** `cgi-bin/user/info/batchget`, 100 openids a call, results in input order. */
  batchGetUserInfo(openids: readonly string[]): Promise<UserInfo[]>;
};

const Page = z.object({
  total: z.number().int().nonnegative(),
  count: z.number().int().nonnegative(),
  data: z.object({ openid: z.array(z.string()) }).optional(),
  next_openid: z.string().optional(),
});

const Info = z.object({
  openid: z.string().min(1),
  subscribe: z.number().int(),
  unionid: z.string().min(1).optional(),
  subscribe_time: z.number().int().optional(),
  subscribe_scene: z.string().optional(),
  qr_scene_str: z.string().optional(),
});

const Batch = z.object({ user_info_list: z.array(Info) });

export const BATCHGET_LIMIT = 100;

export function createUserApi(appid: string, http: WechatHttp, token: AccessTokenProvider): UserApi {
  const api: UserApi = {
    async getFollowers(nextOpenid) {
      const answer = await token.withToken((access_token) =>
        http.call({ api: 'user/get', method: 'GET', path: 'cgi-bin/user/get', query: { access_token, next_openid: nextOpenid || undefined } }),
      );
      const page = parseAnswer(Page, answer, 'user/get', appid);
      const openids = page.data?.openid ?? [];
      return { total: page.total, count: page.count, openids, nextOpenid: page.next_openid ?? '' };
    },

    async *followerPages(startCursor) {
      let cursor: string | null = startCursor || null;
      for (;;) {
        const page = await api.getFollowers(cursor ?? undefined);
        if (page.count === 0 || page.openids.length === 0) return;
        yield { ...page, cursor };
        // An empty cursor after a full page would restart the list from the top: end instead.
        if (!page.nextOpenid) return;
        cursor = page.nextOpenid;
      }
    },

    async userInfo(openid) {
      const answer = await token.withToken((access_token) =>
        http.call({ api: 'user/info', method: 'GET', path: 'cgi-bin/user/info', query: { access_token, openid, lang: 'zh_CN' } }),
      );
      return toUserInfo(parseAnswer(Info, answer, 'user/info', appid));
    },

    async batchGetUserInfo(openids) {
      const users: UserInfo[] = [];
      for (const chunk of chunked(openids, BATCHGET_LIMIT)) {
        const answer = await token.withToken((access_token) =>
          http.call({
            api: 'user/info/batchget',
            method: 'POST',
            path: 'cgi-bin/user/info/batchget',
            query: { access_token },
            body: { user_list: chunk.map((openid) => ({ openid, lang: 'zh_CN' })) },
          }),
        );
        users.push(...parseAnswer(Batch, answer, 'user/info/batchget', appid).user_info_list.map(toUserInfo));
      }
      return users;
    },
  };
  return api;
}

function toUserInfo(info: z.infer<typeof Info>): UserInfo {
  const subscribed = info.subscribe === 1;
  return {
    openid: info.openid,
    subscribed,
    unionid: info.unionid ?? null,
    subscribeTime: subscribed ? (info.subscribe_time ?? null) : null,
    subscribeScene: subscribed ? info.subscribe_scene || null : null,
    qrSceneStr: subscribed ? info.qr_scene_str || null : null,
  };
}
