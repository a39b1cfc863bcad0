import type { Context } from 'hono';
import { errorBody } from './replies.ts';
import type { SimAccount, SimulatorCore } from './simulatorCore.ts';

export type Answer = Record<string, unknown>;

/**
 * Wraps a handler the way every WeChat endpoint behaves here: count the call (per API and
 * appid), apply injected faults, answer JSON with HTTP 200 — errors included, as WeChat does.
 */
export function wechatRoute(core: SimulatorCore, api: string, handler: (c: Context) => Answer | Promise<Answer>) {
  return async (c: Context) => {
    core.count(api, await appidOf(core, c));
    const fault = await core.faults.before(api);
    if (fault !== null) return c.json(errorBody(fault));
    return c.json(await handler(c));
  };
}

/** The JSON body, or null when it is not a JSON object (WeChat: 47001 data format error). */
export async function jsonBody(c: Context): Promise<Record<string, unknown> | null> {
  try {
    const body: unknown = await c.req.json();
    return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The account an `access_token` belongs to, or the error body to answer. */
export function authorize(core: SimulatorCore, c: Context, kinds?: SimAccount['config']['kind'][]): SimAccount | Answer {
  const check = core.tokens.check(c.req.query('access_token'));
  if (!check.ok) return errorBody(check.errcode);
  const account = core.accounts.get(check.appid);
  if (!account) return errorBody(40001);
  if (kinds && !kinds.includes(account.config.kind)) return errorBody(48001);
  return account;
}

export function isAccount(value: SimAccount | Answer): value is SimAccount {
  return 'ids' in value && 'config' in value;
}

async function appidOf(core: SimulatorCore, c: Context): Promise<string | undefined> {
  const token = c.req.query('access_token');
  if (token) {
    const check = core.tokens.check(token);
    return check.ok ? check.appid : undefined;
  }
  const appid = c.req.query('appid');
  if (appid) return appid;
  if (c.req.method === 'POST') {
    const body = await jsonBody(c);
    return typeof body?.appid === 'string' ? body.appid : undefined;
  }
  return undefined;
}
