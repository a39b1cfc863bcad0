import { Hono } from 'hono';
import { errorBody } from './replies.ts';
import { unionidOf, type SimAccount, type SimulatorCore } from './simulatorCore.ts';
import { authorize, isAccount, jsonBody, wechatRoute, type Answer } from './wechatRoute.ts';

const SCENES = ['ADD_SCENE_SEARCH', 'ADD_SCENE_QR_CODE', 'ADD_SCENE_PROFILE_CARD', 'ADD_SCENE_WECHAT_ADVERTISEMENT', 'ADD_SCENE_OTHERS'];

/** OA user management: `cgi-bin/user/get`, `cgi-bin/user/info`, `cgi-bin/user/info/batchget`. */
export function userRoutes(core: SimulatorCore): Hono {
  const app = new Hono();

  app.get(
    '/cgi-bin/user/get',
    wechatRoute(core, 'user/get', (c) => {
      const account = authorize(core, c, ['oa']);
      if (!isAccount(account)) return account;
      const book = account.followers;
      const total = book?.total() ?? 0;
      const openids = book ? book.page(c.req.query('next_openid') || undefined, core.pageSize) : [];
      if (openids === null) return errorBody(40003);
      // After the last page WeChat answers count 0 without `data` and an empty next_openid;
      // the last non-empty page itself still carries its last openid as next_openid.
      if (openids.length === 0) return { total, count: 0, next_openid: '' };
      return { total, count: openids.length, data: { openid: openids }, next_openid: openids[openids.length - 1] };
    }),
  );

  app.get(
    '/cgi-bin/user/info',
    wechatRoute(core, 'user/info', (c) => {
      const account = authorize(core, c, ['oa']);
      if (!isAccount(account)) return account;
      return userInfo(account, c.req.query('openid') ?? '') ?? errorBody(40003);
    }),
  );

  app.post(
    '/cgi-bin/user/info/batchget',
    wechatRoute(core, 'user/info/batchget', async (c) => {
      const account = authorize(core, c, ['oa']);
      if (!isAccount(account)) return account;
      const list = (await jsonBody(c))?.user_list;
      if (!Array.isArray(list) || list.length === 0) return errorBody(47001, 'data format error');
      // "最多支持一次拉取100条"; the errcode for more is undocumented: 40032 (invalid openid list size) is our pick.
      if (list.length > 100) return errorBody(40032, 'invalid openid list size');
      const users: Answer[] = [];
      for (const item of list) {
        const openid = typeof item === 'object' && item !== null ? (item as { openid?: unknown }).openid : undefined;
        const info = typeof openid === 'string' ? userInfo(account, openid) : null;
        // One bad openid fails the whole call, as WeChat does.
        if (!info) return errorBody(40003);
        users.push(info);
      }
      return { user_info_list: users };
    }),
  );

  return app;
}

/** null for an openid this account never had: WeChat answers 40003 invalid openid. */
function userInfo(account: SimAccount, openid: string): Answer | null {
  const book = account.followers;
  const person = account.ids.personOf(openid);
  const following = book?.isFollower(openid) ?? false;
  if (person === null && !following) return null;
  // "值为0时，代表此用户没有关注该公众号，拉取不到其余信息"
  if (!following) return { subscribe: 0, openid, tagid_list: [] };
  const answer: Answer = {
    subscribe: 1,
    openid,
    subscribe_time: book?.subscribeTime(openid) ?? 0,
    remark: '',
    groupid: 0,
    tagid_list: [],
    subscribe_scene: SCENES[(person ?? 0) % SCENES.length],
    qr_scene: 0,
    qr_scene_str: '',
  };
  if (person !== null) answer.unionid = unionidOf(account.seed, person);
  return answer;
}
