import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import { errorBody } from './replies.ts';
import type { SimAccount, SimulatorCore } from './simulatorCore.ts';
import { authorize, isAccount, jsonBody, wechatRoute, type Answer } from './wechatRoute.ts';

const WINDOW_MS = 15 * 86_400_000;

/**
 * `cgi-bin/changeopenid`, called with the NEW account's token. Behaviour from WeChat's FAQ (as
 * quoted by practitioners): callable after the migration for at most 15 days; ≤ 100 openids;
 * each openid must follow the old account, else `err_msg: "ori_openid error"` inside errcode 0;
 * 63178 when `from_appid` has no migration relation with the caller. `from_appid` may be the old
 * appid or its gh_ original id (reports disagree; both are accepted). Outside the 15 days WeChat
 * documents no errcode ("调用时无返回结果或报错"): the simulator answers 63178 then too.
 */
export function migrationRoutes(core: SimulatorCore): Hono {
  const app = new Hono();

  app.post(
    '/cgi-bin/changeopenid',
    wechatRoute(core, 'changeopenid', async (c) => {
      const account = authorize(core, c, ['oa']);
      if (!isAccount(account)) return account;
      const body = await jsonBody(c);
      const list = body?.openid_list;
      if (!body || typeof body.from_appid !== 'string' || !Array.isArray(list)) return errorBody(47001, 'data format error');
      const old = migrationSource(core, account, body.from_appid);
      if (!old) return errorBody(63178);
      if (list.length > 100) return errorBody(63179);
      const results: Answer[] = list.map((openid) => convert(account, old, String(openid)));
      return { errcode: 0, errmsg: 'ok', result_list: results };
    }),
  );

  return app;
}

function migrationSource(core: SimulatorCore, account: SimAccount, fromAppid: string): SimAccount | null {
  const migration = account.config.migration;
  if (!migration) return null;
  const old = core.accounts.get(migration.fromAppid);
  const names = [migration.fromAppid, migration.fromOriginalId, old?.config.originalId];
  if (!old || !names.includes(fromAppid)) return null;
  const since = core.now() - new Date(migration.migratedAt).getTime();
  return since >= 0 && since <= WINDOW_MS ? old : null;
}

function convert(account: SimAccount, old: SimAccount, openid: string): Answer {
  if (!old.followers?.isFollower(openid)) return { ori_openid: openid, err_msg: 'ori_openid error' };
  // The same person in the new account: their new openid is the new account's openid for them.
  const person = old.ids.personOf(openid);
  const newOpenid = person !== null ? account.ids.openidOf(person) : madeUpOpenid(account.config.appid, openid);
  return { ori_openid: openid, new_openid: newOpenid, err_msg: 'ok' };
}

function madeUpOpenid(appid: string, openid: string): string {
  return `o${createHash('sha256').update(`${appid}\u0000${openid}`).digest('base64url').slice(0, 27)}`;
}
