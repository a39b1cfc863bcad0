import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2E, OA, type E2E } from '../support/e2eHarness.ts';
import { buildPush, sendPush } from '../../src/simulator/pushSender.ts';

describe('PostgreSQL unreachable', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E();
  });
  afterAll(async () => {
    await e2e?.database.restore().catch(() => {});
    await e2e?.close();
  });

  it('answers 503 so WeChat retries, and accepts the retried push exactly once after recovery', async () => {
    const built = buildPush({ ...OA, format: 'xml', mode: 'safe' }, { event: 'subscribe', openid: 'o-db-down' });
    const target = `${e2e.url}/wechat/${OA.appid}/callback`;
    await e2e.database.cut();
    const during = await sendPush(target, built, { tries: 1, timeoutMs: 10_000 });
    expect(during.attempts[0]!.status).toBe(503);
    expect(JSON.parse(during.attempts[0]!.body).error.code).toBe('ledger_unavailable');
    expect((await fetch(`${e2e.url}/readyz`)).status).toBe(503);
    expect((await fetch(`${e2e.url}/healthz`)).status).toBe(200);

    await e2e.database.restore();
    const retried = await sendPush(target, built, { tries: 3, timeoutMs: 10_000 });
    expect(retried.delivered).toBe(true);
    const again = await sendPush(target, built, { tries: 1 });
    expect(again.delivered).toBe(true);
    const events = await e2e.server.service.ledger.read({ openid: 'o-db-down' });
    expect(events.filter((e) => e.type === 'follow.subscribed')).toHaveLength(1);
  });
});
