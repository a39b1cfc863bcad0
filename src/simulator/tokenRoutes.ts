import { Hono } from 'hono';
import { errorBody } from './replies.ts';
import type { SimulatorCore } from './simulatorCore.ts';
import { jsonBody, wechatRoute, type Answer } from './wechatRoute.ts';

/** `cgi-bin/token` (GET, query) and `cgi-bin/stable_token` (POST JSON only). */
export function tokenRoutes(core: SimulatorCore): Hono {
  const app = new Hono();

  const credentials = (appid: unknown, secret: unknown, grantType: unknown): Answer | null => {
    if (grantType !== 'client_credential') return errorBody(40002, 'invalid grant_type');
    const account = typeof appid === 'string' ? core.accounts.get(appid) : undefined;
    if (!account) return errorBody(40013);
    if (account.config.secret !== secret) return errorBody(40125);
    return null;
  };

  app.get(
    '/cgi-bin/token',
    wechatRoute(core, 'token', (c) => {
      const { appid, secret, grant_type } = c.req.query();
      const refused = credentials(appid, secret, grant_type);
      if (refused) return refused;
      const issued = core.tokens.issueClassic(appid as string);
      return { access_token: issued.token, expires_in: issued.expiresIn };
    }),
  );

  app.post(
    '/cgi-bin/stable_token',
    wechatRoute(core, 'stable_token', async (c) => {
      const body = await jsonBody(c);
      if (!body) return errorBody(47001, 'data format error');
      const refused = credentials(body.appid, body.secret, body.grant_type);
      if (refused) return refused;
      const issued = core.tokens.issueStable(body.appid as string, body.force_refresh === true);
      return { access_token: issued.token, expires_in: issued.expiresIn };
    }),
  );

  return app;
}
