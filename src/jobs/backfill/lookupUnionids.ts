import { isWechatApiError } from '../../wechat/api/errcodes.ts';
import { BATCHGET_LIMIT, type UserInfo } from '../../wechat/api/user.ts';
import type { WechatClient } from '../../wechat/api/wechatClient.ts';
import type { JobContext } from '../runner/jobContext.ts';

export type UnionidLookup = { openid: string; unionid: string | null };

/**
 * `user/info/batchget` for any number of openids, 100 a call, the calls in parallel (the
 * client's limiter sets the pace). WeChat fails a whole call for one openid it does not know
 * (40003), so such a call is split in halves until the unknown openid stands alone and is
 * answered "no unionid"; the others are still looked up.
 */
export async function lookupUnionids(ctx: Pick<JobContext, 'retry'>, client: WechatClient, openids: readonly string[]): Promise<UnionidLookup[]> {
  const calls: Promise<UnionidLookup[]>[] = [];
  for (let i = 0; i < openids.length; i += BATCHGET_LIMIT) calls.push(lookupCall(ctx, client, openids.slice(i, i + BATCHGET_LIMIT)));
  return (await Promise.all(calls)).flat();
}

async function lookupCall(ctx: Pick<JobContext, 'retry'>, client: WechatClient, openids: string[]): Promise<UnionidLookup[]> {
  let users: UserInfo[];
  try {
    users = await ctx.retry('user/info/batchget', () => client.user.batchGetUserInfo(openids));
  } catch (error) {
    if (!isWechatApiError(error, 'invalid_openid')) throw error;
    if (openids.length === 1) return [{ openid: openids[0]!, unionid: null }];
    const half = Math.ceil(openids.length / 2);
    const [first, second] = await Promise.all([lookupCall(ctx, client, openids.slice(0, half)), lookupCall(ctx, client, openids.slice(half))]);
    return [...first, ...second];
  }
  const byOpenid = new Map(users.map((user) => [user.openid, user.unionid]));
  return openids.map((openid) => ({ openid, unionid: byOpenid.get(openid) ?? null }));
}
