import { describe, expect, it } from 'vitest';
import { isTransient, retryTransient } from '../../src/jobs/runner/retryTransient.ts';
import { LedgerUnavailableError } from '../../src/ledger/ledgerErrors.ts';
import { WechatApiError } from '../../src/wechat/api/errcodes.ts';

const pgError = (code: string) => Object.assign(new Error(`SQLSTATE ${code}`), { code });
const wechat = (kind: ConstructorParameters<typeof WechatApiError>[0]['kind']) => new WechatApiError({ kind, errcode: null, errmsg: kind, api: 'user/get', appid: 'wx' });

describe("the job runner's transient failures", () => {
  it('counts a database too busy to answer in time as transient: lock_timeout and statement_timeout', () => {
    // A job's transaction under load fails with these (lock_timeout / statement_timeout);
    // isConnectionError.ts counts them as "ledger unavailable" too.
    expect(isTransient(pgError('55P03'))).toBe(true);
    expect(isTransient(pgError('57014'))).toBe(true);
  });

  it('keeps what it counted before, and refusals are not transient', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', '57P01', '57P03', '08006', '08001', '08003']) expect(isTransient(pgError(code))).toBe(true);
    expect(isTransient(new LedgerUnavailableError('down'))).toBe(true);
    for (const kind of ['upstream_failure', 'rate_limited', 'token_invalid'] as const) expect(isTransient(wechat(kind))).toBe(true);
    expect(isTransient(wechat('quota_exhausted'))).toBe(false);
    expect(isTransient(wechat('invalid_openid'))).toBe(false);
    expect(isTransient(pgError('23505'))).toBe(false);
    expect(isTransient(new Error('bug'))).toBe(false);
  });

  it('retries a step that hit lock_timeout', async () => {
    let calls = 0;
    const result = await retryTransient(
      async () => {
        if (++calls === 1) throw pgError('55P03');
        return 'saved';
      },
      { attempts: 3, baseMs: 1, maxMs: 1 },
    );
    expect({ result, calls }).toEqual({ result: 'saved', calls: 2 });
  });
});
