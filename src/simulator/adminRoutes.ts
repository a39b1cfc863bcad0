import { Hono } from 'hono';
import type { SimulatorState } from './simulatorState.ts';

/**
 * `/_simulator/*`: the state mutators over HTTP, for local development against `identity-ledger
 * simulate` (tests call `state` directly). Not a WeChat API.
 */
export function adminRoutes(state: SimulatorState): Hono {
  const app = new Hono();
  const fail = (error: unknown) => ({ error: (error as Error).message });

  app.post('/_simulator/codes', async (c) => {
    const body = await c.req.json<{ appid: string; openid?: string; unionid?: string; sessionKey?: string }>();
    try {
      const code = state.issueCode(body.appid, body);
      return c.json({ code, ...state.codeDetails(code) });
    } catch (error) {
      return c.json(fail(error), 400);
    }
  });

  app.post('/_simulator/oauth-codes', async (c) => {
    const body = await c.req.json<{ appid: string; openid?: string; unionid?: string; scope?: 'snsapi_base' | 'snsapi_userinfo' }>();
    try {
      return c.json({ code: state.issueOauthCode(body.appid, body) });
    } catch (error) {
      return c.json(fail(error), 400);
    }
  });

  app.post('/_simulator/follow', async (c) => {
    const body = await c.req.json<{ appid: string; openid: string; follow?: boolean }>();
    try {
      if (body.follow === false) state.unfollow(body.appid, body.openid);
      else state.follow(body.appid, body.openid);
      return c.json({ followers: state.followerCount(body.appid) });
    } catch (error) {
      return c.json(fail(error), 400);
    }
  });

  app.get('/_simulator/followers/:appid/:person', (c) => {
    const appid = c.req.param('appid');
    const person = Number(c.req.param('person'));
    try {
      return c.json({ openid: state.openidOf(appid, person), unionid: state.unionidOf(appid, person) });
    } catch (error) {
      return c.json(fail(error), 400);
    }
  });

  return app;
}
