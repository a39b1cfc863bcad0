import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2E, MP, type E2E } from '../support/e2eHarness.ts';

const json = (response: Response): Promise<any> => response.json();

describe('reported logins against what WeChat says', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E();
  });
  afterAll(async () => {
    await e2e?.close();
  });

  const report = (body: object) => e2e.api('/v1/logins', { method: 'POST', body: JSON.stringify({ appid: MP.appid, ...body }) });

  it('a write key that claims a unionid first does not beat WeChat: the code2Session answer holds the unionid', async () => {
    const claimed = await report({ openid: 'o-claim-race', unionid: 'u-claimed-by-app' });
    expect(claimed.status).toBe(200);
    const code = e2e.simulator.state.issueCode(MP.appid, { openid: 'o-claim-race', unionid: 'u-from-wechat' });
    const login = await e2e.api(`/v1/miniprogram/${MP.appid}/login`, { method: 'POST', body: JSON.stringify({ code }) });
    const position = await e2e.server.service.ledger.head();
    expect(await json(login)).toEqual({ openid: 'o-claim-race', unionid: 'u-from-wechat' });
    const user = await json(await e2e.api(`/v1/accounts/${MP.appid}/users/o-claim-race?minPosition=${position}`));
    expect(user.unionid).toBe('u-from-wechat');
    const stats = await json(await e2e.api(`/v1/accounts/${MP.appid}/stats`));
    expect(stats.conflicts).toBeGreaterThanOrEqual(1);
    expect((await json(await e2e.api('/v1/unionids/u-from-wechat'))).accounts).toEqual([expect.objectContaining({ openid: 'o-claim-race' })]);
    expect((await e2e.api('/v1/unionids/u-claimed-by-app')).status).toBe(404);
  });

  it('occurredAt of a reported login must be near now: 400 occurred_at_out_of_range, nothing appended', async () => {
    const head = await e2e.server.service.ledger.head();
    for (const occurredAt of ['9999-12-31T23:59:59Z', new Date(Date.now() + 3_600_000).toISOString(), '1970-01-01T00:00:00Z', '2001-01-01T00:00:00+08:00']) {
      const refused = await report({ openid: 'o-claim-time', occurredAt });
      expect(refused.status).toBe(400);
      expect((await json(refused)).error.code).toBe('occurred_at_out_of_range');
    }
    expect(await e2e.server.service.ledger.head()).toBe(head);
    const recent = await report({ openid: 'o-claim-time', occurredAt: new Date(Date.now() - 3_600_000).toISOString() });
    expect(recent.status).toBe(200);
  });
});
