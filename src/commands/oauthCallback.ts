import type { Ledger } from '../ledger/ledger.ts';
import type { NewEvent } from '../ledger/events.ts';
import type { WechatClient } from '../wechat/api/wechatClient.ts';
import { CommandError } from './commandError.ts';
import { unionidResolved } from './unionidResolved.ts';
import type { LoginAnswer } from './miniProgramLogin.ts';

/**
 * Web OAuth: the code becomes an openid (and a unionid for `snsapi_userinfo`, asking
 * `sns/userinfo` when the token answer lacks it). WeChat's "snapshot page" virtual users are
 * not people and are refused. The code is the idempotency key.
 */
export async function oauthCallback(deps: { ledger: Ledger; client: WechatClient }, input: { appid: string; code: string }): Promise<LoginAnswer> {
  const key = `oauth:${input.appid}:${input.code}`;
  const [earlier] = await deps.ledger.findByIdempotencyKeys([key]);
  if (earlier) {
    const data = earlier.data as { openid: string; unionid?: string };
    return { openid: data.openid, unionid: data.unionid ?? null };
  }
  const grant = await deps.client.oauth.exchangeOauthCode(input.code);
  if (grant.snapshotUser) throw new CommandError('snapshot_user', 403, 'WeChat snapshot-page user: not a real identity');
  let unionid = grant.unionid;
  if (!unionid && grant.scope.includes('snsapi_userinfo')) {
    unionid = (await deps.client.oauth.snsUserInfo(grant.accessToken, grant.openid)).unionid;
  }
  const events: NewEvent[] = [
    {
      type: 'oauth.authorized',
      data: { appid: input.appid, openid: grant.openid, scope: grant.scope, ...(unionid ? { unionid } : {}) },
      meta: { source: 'oauth', idempotencyKey: key },
    },
  ];
  if (unionid) events.push(unionidResolved('oauth', { appid: input.appid, openid: grant.openid, unionid, via: 'oauth' }));
  await deps.ledger.append(events);
  return { openid: grant.openid, unionid };
}
