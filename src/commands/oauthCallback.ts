import type { Ledger } from '../ledger/ledger.ts';
import type { NewEvent } from '../ledger/events.ts';
import { IdempotencyKey } from '../ledger/idempotencyKey.ts';
import type { WechatClient } from '../wechat/api/wechatClient.ts';
import { CommandError } from './commandError.ts';
import { unionidResolved } from './unionidResolved.ts';
import { refuseOauthReplay, requestDigest } from './codeReplay.ts';
import type { LoginAnswer } from './miniProgramLogin.ts';

export type OauthCallbackInput = {
  appid: string;
  code: string;
  state?: string | undefined;
  /** Who asks (the API key's id): a leaked code replayed by another caller gets nobody. */
  requester?: string | undefined;
};

/**
 * Web OAuth: the code becomes an openid (and a unionid for `snsapi_userinfo`, asking
 * `sns/userinfo` when the token answer lacks it). WeChat's "snapshot page" virtual users are
 * not people and are refused. The code is the idempotency key, and it is spent once: a re-sent
 * code is 409 whatever else the request says. The whole request is the code and `state`, both in
 * the redirect URL (browser history, Referer, proxy logs), and the caller is the app's own
 * backend whoever opened the URL — so "the same request" proves nothing, and answering it again
 * would log whoever found the URL in as the person it was issued to.
 */
export async function oauthCallback(deps: { ledger: Ledger; client: WechatClient }, input: OauthCallbackInput): Promise<LoginAnswer> {
  const key = IdempotencyKey.oauth(input.appid, input.code);
  const digest = requestDigest('oauth-callback/1', [input.appid, input.code, input.state, input.requester]);
  const [earlier] = await deps.ledger.findByIdempotencyKeys([key]);
  if (earlier) refuseOauthReplay();
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
      meta: { source: 'oauth', idempotencyKey: key, requestDigest: digest },
    },
  ];
  if (unionid) events.push(unionidResolved('oauth', { appid: input.appid, openid: grant.openid, unionid, via: 'oauth' }));
  // Two requests racing with one code: WeChat answers only one exchange, but should both get a
  // grant, the one that did not append the event is a replay too.
  const result = await deps.ledger.append(events);
  if (result.duplicate) refuseOauthReplay();
  return { openid: grant.openid, unionid };
}
