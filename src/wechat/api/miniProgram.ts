import { z } from 'zod';
import type { Account } from '../../config/schema.ts';
import type { WechatHttp } from './httpClient.ts';
import { parseAnswer } from './parseAnswer.ts';

export type MiniProgramSession = {
  openid: string;
  /** Secret: decrypts the user's data. Never log it, return it or put it in an event. */
  sessionKey: string;
  /** Only when WeChat decides to hand it out (e.g. the user follows a same-entity OA). */
  unionid: string | null;
};

export type MiniProgramApi = {
  /** `sns/jscode2session`. 40029 / 40163 → invalid_code, 45011 → rate_limited. */
  code2Session(code: string): Promise<MiniProgramSession>;
};

// Success has no errcode (code2Session docs; it was `errcode: 0` before Dec 2020 — both pass).
const Session = z.object({ openid: z.string().min(1), session_key: z.string().min(1), unionid: z.string().min(1).optional() });

export function createMiniProgramApi(account: Pick<Account, 'appid' | 'secret'>, http: WechatHttp): MiniProgramApi {
  return {
    async code2Session(code) {
      const api = 'jscode2session';
      const answer = await http.call({
        api,
        method: 'GET',
        path: 'sns/jscode2session',
        query: { appid: account.appid, secret: account.secret, js_code: code, grant_type: 'authorization_code' },
        interactive: true,
      });
      const session = parseAnswer(Session, answer, api, account.appid);
      return { openid: session.openid, sessionKey: session.session_key, unionid: session.unionid ?? null };
    },
  };
}
