import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2E, MP, OA, WEB, type E2E } from '../support/e2eHarness.ts';

const MP_KEY = 'e2e-mp-only-key-0123456789';
const OA_ADMIN_KEY = 'e2e-oa-admin-key-0123456789';
const MP_ADMIN_KEY = 'e2e-mp-admin-key-0123456789';
const TWO_APPS_KEY = 'e2e-two-apps-key-0123456789';
const json = (response: Response): Promise<any> => response.json();

describe('API keys limited to appids', () => {
  let e2e: E2E;
  let head = 0;
  beforeAll(async () => {
    e2e = await startE2E({
      configure(config) {
        config.apiKeys.push(
          { key: MP_KEY, scopes: ['read', 'write'], appids: [MP.appid] },
          { key: OA_ADMIN_KEY, scopes: ['admin'], appids: [OA.appid] },
          { key: MP_ADMIN_KEY, scopes: ['admin'], appids: [MP.appid] },
          { key: TWO_APPS_KEY, scopes: ['read'], appids: [MP.appid, OA.appid] },
        );
      },
    });
    // One person in all three apps, and one only in the Official Account.
    const ledger = e2e.server.service.ledger;
    const resolved = (appid: string, openid: string, unionid: string, via: 'code2session' | 'user_info' | 'oauth') =>
      ({ type: 'unionid.resolved', data: { appid, openid, unionid, via }, meta: { source: 'api', idempotencyKey: `seed:${appid}:${openid}` } }) as const;
    await ledger.append([
      { type: 'follow.subscribed', data: { appid: OA.appid, openid: 'o-oa-p1' }, meta: { source: 'webhook', idempotencyKey: 'seed:sub:p1' } },
      resolved(OA.appid, 'o-oa-p1', 'u-p1', 'user_info'),
      resolved(MP.appid, 'o-mp-p1', 'u-p1', 'code2session'),
      resolved(WEB.appid, 'o-web-p1', 'u-p1', 'oauth'),
      resolved(OA.appid, 'o-oa-p2', 'u-p2', 'user_info'),
    ]);
    head = await ledger.head();
    await e2e.server.service.projections.waitFor(head, 10_000);
  });
  afterAll(async () => {
    await e2e?.close();
  });

  const as = (key: string) => (path: string, init: RequestInit = {}) => e2e.api(path, { ...init, key });
  const expectForbidden = async (response: Response) => {
    expect(response.status).toBe(403);
    const body = await json(response);
    expect(body.error.code).toBe('forbidden');
    expect(body.error.message).toMatch(/not allowed for appid|limited to/);
  };

  it('are refused (403 forbidden) on routes naming another appid in the path, query or body', async () => {
    const mp = as(MP_KEY);
    await expectForbidden(await mp('/v1/logins', { method: 'POST', body: JSON.stringify({ appid: OA.appid, openid: 'x' }) }));
    expect((await mp('/v1/logins', { method: 'POST', body: JSON.stringify({ appid: MP.appid, openid: 'o-mp-reported' }) })).status).toBe(200);
    await expectForbidden(await mp(`/v1/oauth/${WEB.appid}/callback?code=c`));
    await expectForbidden(await mp(`/v1/accounts/${OA.appid}/users/o-oa-p1`));
    await expectForbidden(await mp(`/v1/accounts/${OA.appid}/followers`));
    await expectForbidden(await mp(`/v1/accounts/${OA.appid}/stats`));
    await expectForbidden(await mp(`/v1/follow-status?appid=${OA.appid}&unionid=u-p1`));
    await expectForbidden(await mp(`/v1/events?appid=${OA.appid}`));
    expect((await mp(`/v1/accounts/${MP.appid}/stats`)).status).toBe(200);
  });

  it('need every appid a follow-status question names', async () => {
    const question = `/v1/follow-status?appid=${OA.appid}&viaAppid=${MP.appid}&viaOpenid=o-mp-p1&minPosition=${head}`;
    expect(await json(await as(TWO_APPS_KEY)(question))).toEqual({ subscribed: true, openid: 'o-oa-p1' });
    await expectForbidden(await as(MP_KEY)(question));
  });

  it('see a person only in their own apps: linked accounts and unionid lookups are filtered', async () => {
    const user = await json(await as(MP_KEY)(`/v1/accounts/${MP.appid}/users/o-mp-p1?minPosition=${head}`));
    expect(user).toMatchObject({ unionid: 'u-p1', linked: [] });
    const both = await json(await as(TWO_APPS_KEY)(`/v1/accounts/${MP.appid}/users/o-mp-p1`));
    expect(both.linked.map((a: { appid: string }) => a.appid)).toEqual([OA.appid]);
    const unionid = await json(await as(MP_KEY)('/v1/unionids/u-p1'));
    expect(unionid.accounts.map((a: { appid: string }) => a.appid)).toEqual([MP.appid]);
    // A unionid none of the key's apps has is not found, not "forbidden": its existence stays hidden.
    const other = await as(MP_KEY)('/v1/unionids/u-p2');
    expect(other.status).toBe(404);
    expect((await json(await e2e.api('/v1/unionids/u-p1'))).accounts).toHaveLength(3);
  });

  it('read the audit trail of their app by default, and must name one when they have several', async () => {
    const page = await json(await as(MP_KEY)('/v1/events?limit=1000'));
    expect(page.events.length).toBeGreaterThan(0);
    expect(page.events.every((e: { data: { appid: string } }) => e.data.appid === MP.appid)).toBe(true);
    const ndjson = await (await as(MP_KEY)('/v1/events', { headers: { accept: 'application/x-ndjson' } })).text();
    expect(ndjson.trim().split('\n').every((line) => JSON.parse(line).data.appid === MP.appid)).toBe(true);
    await expectForbidden(await as(TWO_APPS_KEY)('/v1/events'));
    expect((await as(TWO_APPS_KEY)(`/v1/events?appid=${OA.appid}`)).status).toBe(200);
  });

  it('start, see and resume only their accounts’ jobs, and cannot run global operations', async () => {
    await expectForbidden(await as(MP_ADMIN_KEY)(`/v1/accounts/${OA.appid}/reconciliations`, { method: 'POST' }));
    await expectForbidden(await as(OA_ADMIN_KEY)('/v1/migrations', { method: 'POST', body: JSON.stringify({ fromAppid: 'wxsomeotheroldacct', toAppid: OA.appid, dryRun: true }) }));
    const started = await as(OA_ADMIN_KEY)(`/v1/accounts/${OA.appid}/reconciliations`, { method: 'POST' });
    expect(started.status).toBe(202);
    const { jobId } = await json(started);
    expect((await as(OA_ADMIN_KEY)(`/v1/jobs/${jobId}`)).status).toBe(200);
    await expectForbidden(await as(MP_ADMIN_KEY)(`/v1/jobs/${jobId}`));
    await expectForbidden(await as(MP_ADMIN_KEY)(`/v1/jobs/${jobId}/resume`, { method: 'POST' }));
    expect((await json(await as(MP_ADMIN_KEY)('/v1/jobs'))).jobs).toEqual([]);
    expect((await json(await as(OA_ADMIN_KEY)('/v1/jobs'))).jobs.map((j: { id: string }) => j.id)).toEqual([jobId]);
    await expectForbidden(await as(MP_ADMIN_KEY)(`/v1/jobs?appid=${OA.appid}`));
    await expectForbidden(await as(OA_ADMIN_KEY)('/v1/projections/follow-state/rebuild', { method: 'POST' }));
    await expectForbidden(await as(OA_ADMIN_KEY)('/v1/ledger/verify'));
  });

  it('a key without appids is not limited', async () => {
    expect((await e2e.api(`/v1/accounts/${OA.appid}/users/o-oa-p1`)).status).toBe(200);
    expect((await e2e.api('/v1/events?limit=1')).status).toBe(200);
  });
});
