import { PayloadError } from './errors.ts';
import type { Push } from './pushes.ts';

/**
 * CreateTime becomes the event time, and follow state is decided by event time: a push dated in
 * the future (year 9999) would beat every later push and every reconciliation, for good, in an
 * immutable ledger. So a push may not be created after it was signed or after now, beyond a small
 * clock skew; one created long before its signature is refused too (WeChat signs when it sends,
 * and retries for 15 s). A push ranked by nothing (kind `other`, not appended) is not judged.
 */
export const CREATE_TIME_MAX_AHEAD_SECONDS = 60;
export const CREATE_TIME_MAX_BEHIND_SECONDS = 3600;

/** `timestamp` is the request's (already checked to be digits); `nowMs` this server's clock. */
export function checkCreateTime(push: Push, timestamp: string, nowMs: number): void {
  if (push.kind === 'other') return;
  const createTime = push.CreateTime;
  const ahead = createTime - nowMs / 1000;
  if (ahead > CREATE_TIME_MAX_AHEAD_SECONDS) {
    throw new PayloadError('invalid_create_time', `CreateTime is ${Math.round(ahead)} s ahead of this server's clock (at most ${CREATE_TIME_MAX_AHEAD_SECONDS} s)`);
  }
  const fromSignature = createTime - Number(timestamp);
  if (fromSignature > CREATE_TIME_MAX_AHEAD_SECONDS || fromSignature < -CREATE_TIME_MAX_BEHIND_SECONDS) {
    throw new PayloadError(
      'invalid_create_time',
      `CreateTime is ${Math.round(fromSignature)} s from the request's timestamp (allowed: ${-CREATE_TIME_MAX_BEHIND_SECONDS} to +${CREATE_TIME_MAX_AHEAD_SECONDS} s)`,
    );
  }
}
