import { describe, expect, it } from 'vitest';
import { IdempotencyKey } from '../../src/ledger/idempotencyKey.ts';

/**
 * The ledgers already written hold these keys (as keyed digests): a retry after a deploy finds
 * its earlier event only if the key comes out byte for byte the same. Each expected string is
 * written out here, never computed, so a change of format fails this test.
 */
describe('idempotency keys keep their formats', () => {
  it('push: appid and the dedupe key of the push', () => {
    expect(IdempotencyKey.push('wxoa', 'gh_oa|o-1|1700000000|subscribe|qrscene_7')).toBe('push:wxoa:gh_oa|o-1|1700000000|subscribe|qrscene_7');
    expect(IdempotencyKey.push('wxoa', '24591739587023457')).toBe('push:wxoa:24591739587023457');
  });

  it('one-time codes: mini program login and web OAuth', () => {
    expect(IdempotencyKey.miniProgramLogin('wxmp', 'code-1')).toBe('login:wxmp:code-1');
    expect(IdempotencyKey.oauth('wxweb', 'code-2')).toBe('oauth:wxweb:code-2');
  });

  it("reported logins: the caller's key, or a digest of appid, openid, unionid and time", () => {
    const login = { appid: 'wxmp', openid: 'o-1', unionid: 'u-1' };
    expect(IdempotencyKey.reportedLogin(login, '2024-05-01T08:00:00Z', 'caller-key')).toBe('report:wxmp:caller-key');
    expect(IdempotencyKey.reportedLogin(login, '2024-05-01T08:00:00Z')).toBe('report:wxmp:0ab4f6aa94385c39e25d77bbf42359615e3f07c6cd8e94dfbee0bf4f623d5e9b');
    expect(IdempotencyKey.reportedLogin({ appid: 'wxmp', openid: 'o-1' }, '2024-05-01T08:00:00Z')).toBe(
      'report:wxmp:b0a63228230e296aec5e128563c3a5c7d0833dca5dd552160809f14733f345c6',
    );
    // An empty Idempotency-Key is still the caller's key (only a missing one is derived).
    expect(IdempotencyKey.reportedLogin(login, '2024-05-01T08:00:00Z', '')).toBe('report:wxmp:');
  });

  it('unionid.resolved: names the fact', () => {
    expect(IdempotencyKey.unionidResolved({ via: 'batchget', appid: 'wxoa', openid: 'o-1', unionid: 'u-1' })).toBe('unionid:batchget:wxoa:o-1:u-1');
  });

  it('jobs: reconciliation corrections and completion, conversions', () => {
    const job = '0b6c0f8e-6f3a-4a43-9a57-0b1f2c3d4e5f';
    expect(IdempotencyKey.reconciliationCorrection(job, 'subscribe', 'o-1')).toBe(`job:0b6c0f8e-6f3a-4a43-9a57-0b1f2c3d4e5f:subscribe:o-1`);
    expect(IdempotencyKey.reconciliationCorrection(job, 'unsubscribe', 'o-2')).toBe(`job:0b6c0f8e-6f3a-4a43-9a57-0b1f2c3d4e5f:unsubscribe:o-2`);
    expect(IdempotencyKey.reconciliationCompleted(job)).toBe('job:0b6c0f8e-6f3a-4a43-9a57-0b1f2c3d4e5f:completed');
    expect(IdempotencyKey.conversion(job, 'o-old')).toBe('job:0b6c0f8e-6f3a-4a43-9a57-0b1f2c3d4e5f:conversion:o-old');
  });

  it('erasure: the erasure and the data subject', () => {
    expect(IdempotencyKey.erasure('7d1e0c5a-1b2c-4d3e-8f90-a1b2c3d4e5f6', 'subj-pseudonym')).toBe('erasure:7d1e0c5a-1b2c-4d3e-8f90-a1b2c3d4e5f6:subj-pseudonym');
  });
});
