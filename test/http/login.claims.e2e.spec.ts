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

  it('says when a report predating an erasure is not recorded, with the head as position — never another event\'s (red team 2, F3)', async () => {
    const anHourAgo = new Date(Date.now() - 3_600_000).toISOString();
    expect(await json(await report({ openid: 'o-claim-erased', unionid: 'u-claim-erased' }))).toMatchObject({ recorded: true });
    expect((await e2e.api('/v1/erasures', { method: 'POST', body: JSON.stringify({ appid: MP.appid, openid: 'o-claim-erased' }) })).status).toBe(201);
    // Someone else's event is the head now: the dropped report must not be answered with it as "its" position.
    expect(await json(await report({ openid: 'o-claim-bystander' }))).toMatchObject({ recorded: true });
    const head = await e2e.server.service.ledger.head();

    const late = await report({ openid: 'o-claim-erased', unionid: 'u-claim-erased', occurredAt: anHourAgo });
    expect(late.status).toBe(200);
    expect(await json(late)).toEqual({ openid: 'o-claim-erased', unionid: null, position: head, recorded: false, reason: 'predates_erasure' });
    expect(await e2e.server.service.ledger.head()).toBe(head);
    // The head is a valid minPosition, and the person stays erased.
    expect((await e2e.api(`/v1/accounts/${MP.appid}/users/o-claim-erased?minPosition=${head}`)).status).toBe(404);

    // The same report for someone never seen is recorded, at its own position.
    const fresh = await json(await report({ openid: 'o-claim-never-seen', occurredAt: anHourAgo }));
    expect(fresh).toEqual({ openid: 'o-claim-never-seen', unionid: null, position: head + 1, recorded: true });
    const [event] = await e2e.server.service.ledger.read({ openid: 'o-claim-never-seen' });
    expect(event).toMatchObject({ type: 'login.recorded', position: head + 1 });

    // A dropped report spends no Idempotency-Key (so write scope alone could already tell): the
    // answer says no more than the key's own writes show.
    const keyed = (openid: string) =>
      e2e.api('/v1/logins', { method: 'POST', body: JSON.stringify({ appid: MP.appid, openid, occurredAt: anHourAgo }), headers: { 'idempotency-key': 'k-claim-erased' } });
    expect(await json(await keyed('o-claim-erased'))).toMatchObject({ recorded: false });
    expect(await json(await keyed('o-claim-after'))).toMatchObject({ recorded: true });
  });
});
