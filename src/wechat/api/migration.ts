import { z } from 'zod';
import type { AccessTokenProvider } from './accessToken.ts';
import { chunked } from './chunked.ts';
import type { WechatHttp } from './httpClient.ts';
import { parseAnswer } from './parseAnswer.ts';

/** One openid of `changeopenid`; refusals come back per item inside `errcode: 0`. */
export type OpenidConversion =
  | { ok: true; oriOpenid: string; newOpenid: string }
  /** `errMsg` is WeChat's `err_msg`, e.g. "ori_openid error": the user did not follow the old account. */
  | { ok: false; oriOpenid: string; errMsg: string };

export type MigrationApi = {
  /**
   * `cgi-bin/changeopenid`, called with THIS (the new) account's token, 100 openids a call, in
   * input order. `fromAppid` is the old account's appid or its `gh_` original id (reports differ
   * on which WeChat wants; both are passed through as given). 63178 → no_migration_relation.
   */
  changeOpenid(input: { fromAppid: string; openids: readonly string[] }): Promise<OpenidConversion[]>;
};

const Answer = z.object({
  result_list: z
    .array(z.object({ ori_openid: z.string(), new_openid: z.string().optional(), err_msg: z.string().optional() }))
    .default([]),
});

export const CHANGEOPENID_LIMIT = 100;

export function createMigrationApi(appid: string, http: WechatHttp, token: AccessTokenProvider): MigrationApi {
  return {
    async changeOpenid({ fromAppid, openids }) {
      const results: OpenidConversion[] = [];
      for (const chunk of chunked(openids, CHANGEOPENID_LIMIT)) {
        const answer = await token.withToken((access_token) =>
          http.call({
            api: 'changeopenid',
            method: 'POST',
            path: 'cgi-bin/changeopenid',
            query: { access_token },
            body: { from_appid: fromAppid, openid_list: chunk },
          }),
        );
        for (const item of parseAnswer(Answer, answer, 'changeopenid', appid).result_list) {
          const errMsg = item.err_msg ?? 'ok';
          results.push(
            errMsg === 'ok' && item.new_openid
              ? { ok: true, oriOpenid: item.ori_openid, newOpenid: item.new_openid }
              : { ok: false, oriOpenid: item.ori_openid, errMsg: errMsg === 'ok' ? 'no new_openid' : errMsg },
          );
        }
      }
      return results;
    },
  };
}
