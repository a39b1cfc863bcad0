import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2E, OA, type E2E } from '../support/e2eHarness.ts';
import { startThrowawayNats } from '../support/throwawayNats.ts';
import { until } from '../support/until.ts';

type Readiness = {
  status: string;
  checks: { database: { ok: boolean }; relay: Record<string, unknown>; projections: Record<string, unknown>[]; processors: { name: string; lag: number | null; failing: boolean }[] };
};

describe('/readyz', () => {
  let e2e: E2E;
  let nats: Awaited<ReturnType<typeof startThrowawayNats>>;
  beforeAll(async () => {
    nats = await startThrowawayNats();
    e2e = await startE2E({ configure: (config) => void (config.natsUrl = nats.url) });
  });
  afterAll(async () => {
    await e2e?.database.restore().catch(() => {});
    await e2e?.close();
    await nats?.destroy();
  });

  const readyz = async () => {
    const response = await fetch(`${e2e.url}/readyz`);
    const text = await response.text();
    return { status: response.status, text, body: JSON.parse(text) as Readiness };
  };
  const relay = () => e2e.server.service.relay.status();

  it('says the relay is not connected while NATS is down, and never repeats the publish error', async () => {
    expect((await e2e.push(OA.appid, { event: 'subscribe', openid: 'o-ready-1' }, 'safe')).status).toBe(200);
    await until(async () => relay().connected && relay().cursor === (await e2e.server.service.ledger.head()), 15_000, 'the relay to publish');
    expect((await readyz()).body.checks.relay.connected).toBe(true);

    await nats.stop();
    await until(async () => (await readyz()).body.checks.relay.connected === false, 15_000, 'readiness to see NATS gone');
    expect((await e2e.push(OA.appid, { event: 'subscribe', openid: 'o-ready-2' }, 'safe')).status).toBe(200);
    await until(() => relay().lastError !== null, 20_000, 'a failed publish');
    const { body, text } = await readyz();
    expect(body.checks.relay).toMatchObject({ connected: false, failing: true });
    expect(text).not.toContain(relay().lastError!);
    expect(text).not.toMatch(/lastError|ECONNREFUSED|TIMEOUT|CONNECTION_REFUSED/i);
    // Every follower of the ledger is listed, the failing one flagged, and /metrics says the same.
    const processors = Object.fromEntries(body.checks.processors.map((p) => [p.name, p.failing]));
    expect(processors).toEqual({ 'outbox-relay:nats': true, projections: false, 'unionid-reactor': false, 'erasure-reactor': false });
    const metrics = await (await fetch(`${e2e.url}/metrics`)).text();
    expect(metrics).toMatch(/ledger_processor_failing\{processor="outbox-relay:nats"\} 1/);
    expect(metrics).toMatch(/ledger_processor_failing\{processor="erasure-reactor"\} 0/);
    expect(metrics).toMatch(/ledger_processor_lag_events\{processor="erasure-reactor"\} \d+/);

    await nats.start();
    await until(async () => relay().cursor === (await e2e.server.service.ledger.head()), 30_000, 'the relay to catch up');
  });

  it('names a failing projection or database without their error texts', async () => {
    await e2e.database.cut();
    await until(() => e2e.server.service.projections.status().some((s) => s.lastError !== null), 20_000, 'a projection to fail');
    const { status, body, text } = await readyz();
    expect(status).toBe(503);
    expect(body.checks.database).toEqual({ ok: false, error: 'unreachable' });
    expect(body.checks.projections.some((p) => p.failing === true)).toBe(true);
    for (const projection of e2e.server.service.projections.status()) {
      if (projection.lastError) expect(text).not.toContain(projection.lastError);
    }
    expect(text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|terminated|lastError/i);

    // /v1/projections says the same: a flag, never the error text (which goes to the log).
    const projections = await e2e.api('/v1/projections');
    expect(projections.status).toBe(200);
    const answer = await projections.text();
    const listed = (JSON.parse(answer) as { projections: Record<string, unknown>[] }).projections;
    expect(listed.some((p) => p.failing === true)).toBe(true);
    for (const projection of listed) expect(projection).not.toHaveProperty('lastError');
    for (const projection of e2e.server.service.projections.status()) {
      if (projection.lastError) expect(answer).not.toContain(projection.lastError);
    }
    expect(answer).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|terminated|lastError/i);
    await e2e.database.restore();
    await until(async () => (await readyz()).status === 200, 20_000, 'readiness after the database is back');
  });
});
