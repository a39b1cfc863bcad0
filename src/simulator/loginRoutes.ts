import { randomBytes } from 'node:crypto';
import { Hono } from 'hono';
import { errorBody } from './replies.ts';
import type { SimAccount, SimulatorCore } from './simulatorCore.ts';
import { isAccount, wechatRoute, type Answer } from './wechatRoute.ts';

/** Code exchanges: mini program `sns/jscode2session`, web OAuth `sns/oauth2/access_token` and `sns/userinfo`. */
export function loginRoutes(core: SimulatorCore): Hono {
  const app = new Hono();

  const credentials = (appid: string | undefined, secret: string | undefined): SimAccount | Answer => {
    const account = appid === undefined ? undefined : core.accounts.get(appid);
    if (!account) return errorBody(40013);
    if (account.config.secret !== secret) return errorBody(40125);
    return account;
  };

  app.get(
    '/sns/jscode2session',
    wechatRoute(core, 'jscode2session', (c) => {
      const { appid, secret, js_code } = c.req.query();
      const account = credentials(appid, secret);
      if (!isAccount(account)) return account;
      const redeemed = core.loginCodes.redeem(account.config.appid, js_code);
      if (!redeemed.ok) return errorBody(redeemed.errcode);
      const { openid, unionid, sessionKey } = redeemed.details;
      // Success carries no errcode at all, and unionid only when WeChat chooses to send it.
      return unionid ? { session_key: sessionKey, openid, unionid } : { session_key: sessionKey, openid };
    }),
  );

  app.get(
    '/sns/oauth2/access_token',
    wechatRoute(core, 'oauth2/access_token', (c) => {
      const { appid, secret, code } = c.req.query();
      const account = credentials(appid, secret);
      if (!isAccount(account)) return account;
      const redeemed = core.oauthCodes.redeem(account.config.appid, code);
      if (!redeemed.ok) return errorBody(redeemed.errcode);
      const user = redeemed.details;
      const accessToken = `SIMWEB_${randomBytes(24).toString('base64url')}`;
      core.userTokens.set(accessToken, { ...user, appid: account.config.appid });
      return {
        access_token: accessToken,
        expires_in: 7200,
        refresh_token: `SIMREFRESH_${randomBytes(24).toString('base64url')}`,
        openid: user.openid,
        scope: user.scope,
        // "只有当scope为snsapi_userinfo时返回" (snsAccessToken docs); is_snapshotuser only when 1.
        ...(user.unionid && user.scope === 'snsapi_userinfo' ? { unionid: user.unionid } : {}),
        ...(user.snapshotUser ? { is_snapshotuser: 1 } : {}),
      };
    }),
  );

  app.get(
    '/sns/userinfo',
    wechatRoute(core, 'sns/userinfo', (c) => {
      const { access_token, openid } = c.req.query();
      const user = access_token === undefined ? undefined : core.userTokens.get(access_token);
      if (!user) return errorBody(40001);
      if (user.openid !== openid) return errorBody(40003);
      // "调用本接口必须是使用snsapi_userinfo构建的授权链接…否则会返回 48001"
      if (user.scope !== 'snsapi_userinfo') return errorBody(48001);
      return {
        openid: user.openid,
        nickname: '微信用户',
        sex: 0,
        province: '',
        city: '',
        country: '',
        headimgurl: '',
        privilege: [],
        ...(user.unionid ? { unionid: user.unionid } : {}),
      };
    }),
  );

  return app;
}
