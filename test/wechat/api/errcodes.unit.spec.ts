import { describe, expect, it } from 'vitest';
import { WechatErrcode, errorFromErrcode, httpStatusOf, kindOfErrcode, upstreamFailure } from '../../../src/wechat/api/errcodes.ts';
import { WechatError } from '../../../src/wechat/errors.ts';

describe('WeChat errcodes by intent', () => {
  it.each([
    [40029, 'invalid_code', 401],
    [40163, 'invalid_code', 401],
    [45011, 'rate_limited', 429],
    [45009, 'quota_exhausted', 429],
    [40001, 'token_invalid', 502],
    [42001, 'token_invalid', 502],
    [40014, 'token_invalid', 502],
    [63178, 'no_migration_relation', 400],
    [40003, 'invalid_openid', 400],
    [-1, 'upstream_failure', 502],
    [40164, 'credentials_rejected', 502],
    [89503, 'credentials_rejected', 502],
    [48001, 'rejected', 400],
    [43004, 'rejected', 400],
  ] as const)('%i → %s (HTTP %i)', (errcode, kind, status) => {
    const error = errorFromErrcode(errcode, 'msg', 'user/get', 'wx1');
    expect(error).toBeInstanceOf(WechatError);
    expect(error).toMatchObject({ kind, errcode, status, api: 'user/get', appid: 'wx1', code: `wechat_${kind}` });
    expect(httpStatusOf(error)).toBe(status);
  });

  it('40001 from a token endpoint means a wrong AppSecret, not a stale token', () => {
    expect(kindOfErrcode(WechatErrcode.INVALID_CREDENTIAL, 'token')).toBe('credentials_rejected');
    expect(kindOfErrcode(WechatErrcode.INVALID_CREDENTIAL, 'stable_token')).toBe('credentials_rejected');
    expect(kindOfErrcode(WechatErrcode.INVALID_CREDENTIAL, 'user/info')).toBe('token_invalid');
  });

  it('network-level failures have no errcode and map to 502', () => {
    const error = upstreamFailure('timeout', 'user/get', 'wx1');
    expect(error).toMatchObject({ errcode: null, kind: 'upstream_failure', code: 'wechat_upstream_failure' });
    expect(httpStatusOf(error)).toBe(502);
  });
});
