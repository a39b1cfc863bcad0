import { describe, expect, it } from 'vitest';
import { checkCreateTime, CREATE_TIME_MAX_AHEAD_SECONDS, CREATE_TIME_MAX_BEHIND_SECONDS } from '../../src/wechat/checkCreateTime.ts';
import { PayloadError } from '../../src/wechat/errors.ts';
import { parsePush } from '../../src/wechat/pushes.ts';
import { errorCodeOf } from './errorCodeOf.ts';

const now = 1_750_000_000;
const signedAt = String(now - 2);
const unsubscribe = (createTime: number) =>
  parsePush({ ToUserName: 'gh_x', FromUserName: 'o1', CreateTime: String(createTime), MsgType: 'event', Event: 'unsubscribe' });
const codeOf = (createTime: number, timestamp = signedAt) => errorCodeOf(() => checkCreateTime(unsubscribe(createTime), timestamp, now * 1000), PayloadError);

describe('checkCreateTime: a push may not be dated where it would outrank real events', () => {
  it('accepts the usual push: created a moment before it was signed and sent', () => {
    expect(codeOf(now - 3)).toBeUndefined();
    expect(codeOf(now + CREATE_TIME_MAX_AHEAD_SECONDS - 2)).toBeUndefined();
  });

  it('refuses a CreateTime in year 9999, or more than the skew ahead of this clock (400 invalid_create_time)', () => {
    expect(codeOf(253_402_214_400)).toBe('invalid_create_time');
    expect(codeOf(999_999_999_999)).toBe('invalid_create_time');
    expect(codeOf(now + CREATE_TIME_MAX_AHEAD_SECONDS + 1, String(now + CREATE_TIME_MAX_AHEAD_SECONDS))).toBe('invalid_create_time');
  });

  it('refuses a CreateTime far from the signature\'s timestamp, even when the clock would allow it', () => {
    expect(codeOf(now, String(now - CREATE_TIME_MAX_AHEAD_SECONDS - 1))).toBe('invalid_create_time');
    expect(codeOf(now - CREATE_TIME_MAX_BEHIND_SECONDS - 1, String(now))).toBe('invalid_create_time');
    expect(codeOf(now - CREATE_TIME_MAX_BEHIND_SECONDS, String(now))).toBeUndefined();
  });

  it('does not judge a push that nothing is ranked by (kind other: counted, not appended)', () => {
    const click = parsePush({ ToUserName: 'gh_x', FromUserName: 'o1', CreateTime: '999999999999', MsgType: 'event', Event: 'CLICK' });
    expect(() => checkCreateTime(click, signedAt, now * 1000)).not.toThrow();
  });
});
