import { describe, expect, it } from 'vitest';
import { PayloadError } from '../../src/wechat/errors.ts';
import { parseJson } from '../../src/wechat/parseJson.ts';
import { authorizationRevoke, miniProgramDocJson } from './publishedVectors.ts';
import { errorCodeOf } from './errorCodeOf.ts';

const codeOf = (action: () => unknown) => errorCodeOf(action, PayloadError);

const LIMIT = 64 * 1024;

describe('parseJson', () => {
  it('keeps a numeric MsgId beyond 2^53 exact, as a string', () => {
    const fields = parseJson('{"MsgId": 1234567890123456789, "CreateTime": 1714112445}', LIMIT);
    expect(fields.MsgId).toBe('1234567890123456789');
    expect(fields.CreateTime).toBe(1714112445);
    expect(JSON.parse('{"MsgId": 1234567890123456789}').MsgId).not.toBe(1234567890123456789n.toString());
  });

  it('quotes long integers anywhere, but never touches digits inside strings or decimals', () => {
    const fields = parseJson(
      '{"a":[-12345678901234567890,1],"b":{"c":9007199254740993},"s":"x\\"MsgId\\": 1234567890123456789","f":1.23456789012345678,"e":1e30}',
      LIMIT,
    );
    expect(fields).toEqual({
      a: ['-12345678901234567890', 1],
      b: { c: '9007199254740993' },
      s: 'x"MsgId": 1234567890123456789',
      f: 1.23456789012345678,
      e: 1e30,
    });
  });

  it('reads the documented pushes', () => {
    expect(parseJson(miniProgramDocJson.decrypted, LIMIT).debug_str).toBe('hello world');
    expect(parseJson(authorizationRevoke.json, LIMIT).OpenID).toBe('oaKk343WOktAaT2ygsX138BGblrg');
  });

  it('refuses invalid JSON with malformed_json, including the documentation typo', () => {
    const typo = '{"Event": "user_authorization_revoke", " OpenID": "o", }';
    for (const body of ['', '{', '{"a":1', "{'a':1}", typo, '{"a":"unterminated}']) {
      expect(codeOf(() => parseJson(body, LIMIT))).toBe('malformed_json');
    }
  });

  it('refuses JSON that is not an object', () => {
    for (const body of ['[]', 'null', '12345678901234567890', '"x"']) {
      expect(codeOf(() => parseJson(body, LIMIT))).toBe('malformed_json');
    }
  });

  it('refuses a body over the byte limit', () => {
    expect(codeOf(() => parseJson(`{"a":"${'x'.repeat(100)}"}`, 50))).toBe('payload_too_large');
  });
});
