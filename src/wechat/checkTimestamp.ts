import { SignatureError } from './errors.ts';

/**
 * WeChat's `timestamp` is always seconds since the epoch (CreateTime is later judged against
 * it). With a tolerance it must also be within that many seconds of now: a signed URL copied from
 * a log stops working. null or undefined: unbounded (wechat.timestampToleranceSeconds: null).
 *
 * Only the canonical decimal form is seconds: no leading zero, no sign, at most 12 digits. The
 * signature joins timestamp and nonce without a separator, so `0` + timestamp with the nonce's
 * leading `0` removed verifies with the same signature; refusing non-canonical forms leaves fewer
 * such splits (the nonce memory keys on the signature for the rest; red team 2, F2).
 */
export function checkTimestamp(timestamp: string, toleranceSeconds: number | null | undefined, nowMs: number): void {
  if (!/^[1-9]\d{0,11}$/.test(timestamp)) throw new SignatureError('stale_timestamp', 'timestamp is not seconds since the epoch (canonical decimal: no leading zero, no sign)');
  if (toleranceSeconds === null || toleranceSeconds === undefined) return;
  if (!(Math.abs(nowMs / 1000 - Number(timestamp)) <= toleranceSeconds)) {
    throw new SignatureError('stale_timestamp', `timestamp is more than ${toleranceSeconds}s from now`);
  }
}
