import type { Ledger } from '../ledger/ledger.ts';
import type { NewEvent } from '../ledger/events.ts';
import { IdempotencyKey } from '../ledger/idempotencyKey.ts';
import type { WechatClient } from '../wechat/api/wechatClient.ts';
import { CommandError } from './commandError.ts';
import { unionidResolved } from './unionidResolved.ts';
import { refuseReplay, replayVerdict, requestDigest } from './codeReplay.ts';
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
 * not people and are refused. The code is the idempotency key; a re-sent code is answered from
 * the ledger only for the same request (code, state, caller) within the code's lifetime, so a
 * leaked code does not log anyone in as the person it was issued to.
 */
export async function oauthCallback(deps: { ledger: Ledger; client: WechatClient; now?: () => number }, input: OauthCallbackInput): Promise<LoginAnswer> {
  const key = IdempotencyKey.oauth(input.appid, input.code);
  const digest = requestDigest('oauth-callback/1', [input.appid, input.code, input.state, input.requester]);
  const [earlier] = await deps.ledger.findByIdempotencyKeys([key]);
  if (earlier) {
    const verdict = replayVerdict(earlier, digest, (deps.now ?? Date.now)());
    if (verdict !== 'answer') refuseReplay(verdict);
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
      meta: { source: 'oauth', idempotencyKey: key, requestDigest: digest },
    },
  ];
  if (unionid) events.push(unionidResolved('oauth', { appid: input.appid, openid: grant.openid, unionid, via: 'oauth' }));
  await deps.ledger.append(events);
  return { openid: grant.openid, unionid };
}
