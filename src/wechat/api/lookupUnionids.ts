import { isWechatApiError } from './errcodes.ts';
import { BATCHGET_LIMIT, type UserApi, type UserInfo } from './user.ts';

/** An openid and the unionid WeChat answered for it; null when it has none (not following, unknown). */
export type UnionidAnswer = { openid: string; unionid: string | null };

/** How each WeChat call is made: as it is, or inside a caller's retry (a job's `ctx.retry`). */
export type CallWrapper = <T>(api: string, call: () => Promise<T>) => Promise<T>;

const direct: CallWrapper = (_, call) => call();

/**
 * `user/info/batchget` for any number of openids of one account, 100 a call, the calls in
 * parallel (the client's limiter sets the pace); every answer comes from a batchget. WeChat fails
 * a whole call for one openid it does not accept (40003 invalid openid), so such a call is split in
 * halves until the refused openid stands alone and is answered "no unionid"; the others are still
 * looked up — for one bad openid in 100, about 14 calls more rather than 100 single lookups.
 * Any other failure is thrown.
 */
export async function lookupUnionids(user: Pick<UserApi, 'batchGetUserInfo'>, openids: readonly string[], wrap: CallWrapper = direct): Promise<UnionidAnswer[]> {
  const calls: Promise<UnionidAnswer[]>[] = [];
  for (let i = 0; i < openids.length; i += BATCHGET_LIMIT) calls.push(lookupCall(user, openids.slice(i, i + BATCHGET_LIMIT), wrap));
  return (await Promise.all(calls)).flat();
}

async function lookupCall(user: Pick<UserApi, 'batchGetUserInfo'>, openids: string[], wrap: CallWrapper): Promise<UnionidAnswer[]> {
  let users: UserInfo[];
  try {
    users = await wrap('user/info/batchget', () => user.batchGetUserInfo(openids));
  } catch (error) {
    if (!isWechatApiError(error, 'invalid_openid')) throw error;
    if (openids.length === 1) return [{ openid: openids[0]!, unionid: null }];
    const half = Math.ceil(openids.length / 2);
    const [first, second] = await Promise.all([lookupCall(user, openids.slice(0, half), wrap), lookupCall(user, openids.slice(half), wrap)]);
    return [...first, ...second];
  }
  const byOpenid = new Map(users.map((info) => [info.openid, info.unionid]));
  return openids.map((openid) => ({ openid, unionid: byOpenid.get(openid) ?? null }));
}
