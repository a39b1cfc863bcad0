import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2E, MP, type E2E } from '../support/e2eHarness.ts';
import { until } from '../support/until.ts';

describe('a flood of bogus login codes', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E({
      configure(config) {
        config.wechat.callsPerSecond = 5;
        config.wechat.maxQueueWaitMs = 500;
      },
    });
  });
  afterAll(async () => {
    await e2e?.close();
  });

  const login = (code: string) =>
    e2e.api(`/v1/miniprogram/${MP.appid}/login`, { method: 'POST', body: JSON.stringify({ code }), signal: AbortSignal.timeout(5000) }).then(
      async (response) => ({ status: response.status, code: ((await response.json()) as { error?: { code: string } }).error?.code }),
      () => ({ status: 'no answer' as const, code: undefined }),
    );

  it('does not queue real logins behind it: past the wait bound they get 429 wechat_rate_limited at once, and succeed on retry', async () => {
    // 100 bogus codes at 5 calls/s would be a 20 s queue.
    const flood = Array.from({ length: 100 }, (_, i) => login(`bogus-${i}`));
    const code = e2e.simulator.state.issueCode(MP.appid, { openid: 'o-after-flood' });
    const real = await login(code);
    expect([200, 429]).toContain(real.status);
    if (real.status === 429) expect(real.code).toBe('wechat_rate_limited');
    const answers = await Promise.all(flood);
    expect(answers.every((a) => a.status === 401 || (a.status === 429 && a.code === 'wechat_rate_limited'))).toBe(true);
    expect(answers.filter((a) => a.status === 429).length).toBeGreaterThan(50);
    await until(async () => (await login(code)).status === 200, 10_000, 'the real login to get through');
  });
});
