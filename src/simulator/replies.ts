import { randomBytes } from 'node:crypto';

/** WeChat's errmsg texts for the codes the simulator answers (as seen in WeChat's answers). */
const MESSAGES: Record<number, string> = {
  [-1]: 'system error',
  40001: 'invalid credential, access_token is invalid or not latest',
  40003: 'invalid openid',
  40013: 'invalid appid',
  40029: 'invalid code',
  40125: 'invalid appsecret',
  40163: 'code been used',
  41001: 'access_token missing',
  42001: 'access_token expired',
  45009: 'reach max api daily quota limit',
  45011: 'api minute-quota reach limit mustslower retry next minute',
  48001: 'api unauthorized',
  63178: 'appid wrong',
  63179: 'openid num limit',
};

/** An error body like WeChat's: HTTP 200, `errcode`, and an `errmsg` ending in a request id. */
export function errorBody(errcode: number, errmsg?: string): { errcode: number; errmsg: string } {
  const rid = `${randomBytes(4).toString('hex')}-${randomBytes(4).toString('hex')}`;
  return { errcode, errmsg: `${errmsg ?? MESSAGES[errcode] ?? 'simulated error'} rid: ${rid}` };
}
