import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AS_OF_MAX_READS } from '../../projections/query/getUserAsOf.ts';
import { AS_OF_CONCURRENCY } from '../../src/http/queryRoutes.ts';
import type { NewEvent } from '../../src/ledger/events.ts';
import { startE2E, MP, OA, type E2E } from '../support/e2eHarness.ts';

const json = (response: Response): Promise<any> => response.json();

describe('bounded work of queries', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E();
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await e2e?.close();
  });

  it('?asOf over a web of conflicting claims is refused with 422 as_of_too_broad, within a bounded number of reads', async () => {
    // One openid that 150 reports tied to 150 unionids, each of them also claimed by another openid.
    const events: NewEvent[] = [];
    for (let i = 0; i < 150; i++) {
      events.push({ type: 'unionid.resolved', data: { appid: MP.appid, openid: 'o-web-of-claims', unionid: `u-claim-${i}`, via: 'report' }, meta: { source: 'api', idempotencyKey: `claims:a:${i}` } });
      events.push({ type: 'unionid.resolved', data: { appid: OA.appid, openid: `o-claimed-${i}`, unionid: `u-claim-${i}`, via: 'user_info' }, meta: { source: 'api', idempotencyKey: `claims:b:${i}` } });
    }
    await e2e.server.service.ledger.append(events);
    const ledger = e2e.server.service.ledger;
    const read = ledger.read;
    let reads = 0;
    vi.spyOn(ledger, 'read').mockImplementation((filter) => {
      reads++;
      return read(filter);
    });
    const response = await e2e.api(`/v1/accounts/${MP.appid}/users/o-web-of-claims?asOf=${encodeURIComponent(new Date().toISOString())}`);
    expect(response.status).toBe(422);
    expect((await json(response)).error.code).toBe('as_of_too_broad');
    expect(reads).toBeLessThanOrEqual(AS_OF_MAX_READS);
    vi.restoreAllMocks();

    // An ordinary user's history is still answered.
    await ledger.append([{ type: 'follow.subscribed', data: { appid: OA.appid, openid: 'o-asof-plain' }, meta: { source: 'webhook', idempotencyKey: 'asof-plain' } }]);
    const plain = await e2e.api(`/v1/accounts/${OA.appid}/users/o-asof-plain?asOf=${encodeURIComponent(new Date(Date.now() + 1000).toISOString())}`);
    expect(plain.status).toBe(200);
    expect((await json(plain)).follow.subscribed).toBe(true);
  });

  it('minPosition beyond the ledger head is 400 min_position_ahead at once, not a 2 s wait', async () => {
    const head = await e2e.server.service.ledger.head();
    for (const path of [`/v1/unionids/u-any?minPosition=${head + 1000}`, `/v1/accounts/${OA.appid}/users/o-any?minPosition=${head + 1}`, `/v1/follow-status?appid=${OA.appid}&unionid=u&minPosition=${head + 5}`]) {
      const response = await e2e.api(path);
      expect(response.status).toBe(400);
      expect((await json(response)).error.code).toBe('min_position_ahead');
    }
    expect((await e2e.api(`/v1/unionids/u-claim-1?minPosition=${head}`)).status).toBe(200);
  });
  it('an identifier with NUL (which PostgreSQL cannot take) is 400 invalid_request, and the lookups sent beside it are answered', async () => {
    await e2e.server.service.ledger.append([{ type: 'follow.subscribed', data: { appid: OA.appid, openid: 'o-beside-nul' }, meta: { source: 'webhook', idempotencyKey: 'beside-nul' } }]);
    await e2e.server.service.projections.waitFor(await e2e.server.service.ledger.head(), 5000);
    const refused = [
      `/v1/accounts/${OA.appid}/users/o%00x`,
      `/v1/unionids/u%00x`,
      `/v1/follow-status?appid=${OA.appid}&unionid=u%00x`,
      `/v1/follow-status?appid=${OA.appid}&viaAppid=${MP.appid}&viaOpenid=o%00x`,
      `/v1/accounts/wx%00x/users/o-beside-nul`,
    ];
    const beside = Array.from({ length: 8 }, () => `/v1/accounts/${OA.appid}/users/o-beside-nul`);
    const responses = await Promise.all([...refused, ...beside].map((path) => e2e.api(path)));
    for (const response of responses.slice(0, refused.length)) {
      expect(response.status).toBe(400);
      expect((await json(response)).error.code).toBe('invalid_request');
    }
    for (const response of responses.slice(refused.length)) {
      expect(response.status).toBe(200);
      expect((await json(response)).follow.subscribed).toBe(true);
    }
  });
  it('?asOf requests run AS_OF_CONCURRENCY at a time, so a burst of them leaves the pool to the lookups', async () => {
    const ledger = e2e.server.service.ledger;
    await ledger.append([{ type: 'follow.subscribed', data: { appid: OA.appid, openid: 'o-asof-burst' }, meta: { source: 'webhook', idempotencyKey: 'asof-burst' } }]);
    const read = ledger.read;
    let inFlight = 0;
    let most = 0;
    vi.spyOn(ledger, 'read').mockImplementation(async (filter) => {
      most = Math.max(most, ++inFlight);
      try {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return await read(filter);
      } finally {
        inFlight--;
      }
    });
    try {
      const asOf = encodeURIComponent(new Date(Date.now() + 1000).toISOString());
      const responses = await Promise.all(Array.from({ length: 12 }, () => e2e.api(`/v1/accounts/${OA.appid}/users/o-asof-burst?asOf=${asOf}`)));
      expect(responses.map((r) => r.status)).toEqual(Array.from({ length: 12 }, () => 200));
      expect(most).toBe(AS_OF_CONCURRENCY);
    } finally {
      vi.restoreAllMocks();
    }
  });
});
