import { SignatureError } from './errors.ts';

/**
 * WeChat's `timestamp` is always seconds since the epoch (CreateTime is later judged against
 * it). With a tolerance it must also be within that many seconds of now: a signed URL copied from
 * a log stops working. null or undefined: unbounded (wechat.timestampToleranceSeconds: null).
 */
export function checkTimestamp(timestamp: string, toleranceSeconds: number | null | undefined, nowMs: number): void {
  if (!/^\d{1,12}$/.test(timestamp)) throw new SignatureError('stale_timestamp', 'timestamp is not seconds since the epoch');
  if (toleranceSeconds === null || toleranceSeconds === undefined) return;
  if (!(Math.abs(nowMs / 1000 - Number(timestamp)) <= toleranceSeconds)) {
    throw new SignatureError('stale_timestamp', `timestamp is more than ${toleranceSeconds}s from now`);
  }
}
