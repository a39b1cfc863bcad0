import { z } from 'zod';
import type { Account } from '../../config/schema.ts';
import type { WechatHttp } from './httpClient.ts';
import { parseAnswer } from './parseAnswer.ts';

export type OauthAuthorization = {
  openid: string;
  scope: string;
  /** Only for `snsapi_userinfo` and an account bound to an Open Platform. */
  unionid: string | null;
  /** The user's web access token (not the account's): only good for `snsUserInfo`. Secret. */
  accessToken: string;
  expiresIn: number;
  /**
   * `is_snapshotuser: 1`: a virtual user of WeChat's page-snapshot mode; its openid and unionid
   * are not the real user's, so callers should not link them.
   */
  snapshotUser: boolean;
};

export type SnsUserInfo = { openid: string; unionid: string | null; nickname: string | null; headimgurl: string | null };

export type OauthApi = {
  /** `sns/oauth2/access_token`: web authorization code → openid. 40029 / 40163 → invalid_code. */
  exchangeOauthCode(code: string): Promise<OauthAuthorization>;
  /** `sns/userinfo` with the user's token from `exchangeOauthCode` (48001 for snsapi_base). */
  snsUserInfo(accessToken: string, openid: string): Promise<SnsUserInfo>;
};

const Authorization = z.object({
  access_token: z.string().min(1),
  expires_in: z.number(),
  openid: z.string().min(1),
  scope: z.string().default(''),
  unionid: z.string().min(1).optional(),
  is_snapshotuser: z.number().optional(),
});

const Info = z.object({
  openid: z.string().min(1),
  unionid: z.string().min(1).optional(),
  nickname: z.string().optional(),
  headimgurl: z.string().optional(),
});

// These calls use the user's token or the secret, never the account's access token: a 40001
// here must not expire the shared token, so they bypass the token provider.
export function createOauthApi(account: Pick<Account, 'appid' | 'secret'>, http: WechatHttp): OauthApi {
  const { appid } = account;
  return {
    async exchangeOauthCode(code) {
      const api = 'oauth2/access_token';
      const answer = await http.call({
        api,
        method: 'GET',
        path: 'sns/oauth2/access_token',
        query: { appid, secret: account.secret, code, grant_type: 'authorization_code' },
        interactive: true,
      });
      const auth = parseAnswer(Authorization, answer, api, appid);
      return {
        openid: auth.openid,
        scope: auth.scope,
        unionid: auth.unionid ?? null,
        accessToken: auth.access_token,
        expiresIn: auth.expires_in,
        snapshotUser: auth.is_snapshotuser === 1,
      };
    },
    async snsUserInfo(accessToken, openid) {
      const api = 'sns/userinfo';
      const answer = await http.call({ api, method: 'GET', path: 'sns/userinfo', query: { access_token: accessToken, openid, lang: 'zh_CN' }, interactive: true });
      const info = parseAnswer(Info, answer, api, appid);
      return { openid: info.openid, unionid: info.unionid ?? null, nickname: info.nickname ?? null, headimgurl: info.headimgurl ?? null };
    },
  };
}
