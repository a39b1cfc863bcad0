import { connect } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STREAM_NAME } from '../../src/bus/subjectOf.ts';
import type { LedgerEvent } from '../../src/ledger/events.ts';
import { startServer, type RunningServer } from '../../src/serve.ts';
import { startE2E, OA, type E2E, keepWithdrawals } from '../support/e2eHarness.ts';
import { until } from '../support/until.ts';

/**
 * LEDGER_ROLE=api: an instance that takes the webhook and the queries and does none of the work
 * that follows the ledger — an `all` instance on the same PostgreSQL does it.
 */
describe('an api instance (LEDGER_ROLE=api) beside an all instance', () => {
  let e2e: E2E;
  let worker: RunningServer;
  beforeAll(async () => {
    e2e = await startE2E({
      configure(config) {
        keepWithdrawals(config);
        config.role = 'api';
      },
    });
    worker = await startServer({ ...e2e.server.service.config, role: 'all', port: 0 });
  });
  afterAll(async () => {
    await worker?.close();
    await e2e?.close();
  });

  it('takes a push; the all instance looks up the unionid, folds the projections and publishes on JetStream', async () => {
    const openid = e2e.simulator.state.openidOf(OA.appid, 5);
    const unionid = e2e.simulator.state.unionidOf(OA.appid, 5);
    expect(await e2e.push(OA.appid, { event: 'subscribe', openid })).toEqual({ status: 200, body: 'success' });

    const read = async () => (await e2e.server.service.ledger.read({ openid })) as LedgerEvent[];
    const resolved = await until(async () => (await read()).find((e) => e.type === 'unionid.resolved'), 15_000, 'the unionid', 50);
    expect(resolved.data).toMatchObject({ openid, unionid });

    // The api instance answers queries from the projections the all instance folds (read-your-writes through the database).
    const answer = await e2e.api(`/v1/accounts/${OA.appid}/users/${openid}?minPosition=${resolved.position}`);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ openid, unionid, follow: { subscribed: true } });

    const nc = await connect({ servers: e2e.natsUrl });
    try {
      const jsm = await nc.jetstreamManager();
      const message = await until(async () => jsm.streams.getMessage(STREAM_NAME, { last_by_subj: `identity.events.unionid.resolved.${OA.appid}` }).catch(() => undefined), 15_000, 'JetStream', 50);
      expect(message.header.get('Nats-Msg-Id')).toBe(resolved.id);
    } finally {
      await nc.close();
    }
  });

  it('runs no processor itself, and says so where an operator looks', async () => {
    const api = e2e.server.service.consumer.status();
    expect(api.processors.map((p) => p.name).sort()).toEqual(worker.service.consumer.status().processors.map((p) => p.name).sort());
    expect(api.processors.every((p) => p.position === null)).toBe(true);
    await until(() => worker.service.consumer.status().processors.every((p) => p.position !== null), 15_000, 'the all instance leading');

    // The projections as the database has them — what the all instance folded, not this process's nothing.
    const head = await e2e.server.service.ledger.head();
    await e2e.server.service.projections.waitFor(head, 15_000);
    const ready = (await (await fetch(`${e2e.url}/readyz`)).json()) as { status: string; role: string; checks: { projections: { name: string; version: number | null; checkpoint: number; lag: number; leader: boolean }[]; processors: { position: number | null }[] } };
    expect(ready).toMatchObject({ status: 'ready', role: 'api' });
    expect(ready.checks.projections.length).toBeGreaterThan(0);
    for (const projection of ready.checks.projections) {
      expect(projection).toMatchObject({ leader: false, lag: 0 });
      expect(projection.version).not.toBeNull();
      expect(projection.checkpoint).toBeGreaterThanOrEqual(head);
    }
    expect(ready.checks.processors.every((p) => p.position === null)).toBe(true);
    const listed = (await (await e2e.api('/v1/projections')).json()) as { projections: { name: string; version: number | null; checkpoint: number }[] };
    expect(listed.projections.map((p) => [p.name, p.version !== null, p.checkpoint >= head])).toEqual(ready.checks.projections.map((p) => [p.name, true, true]));
    expect(((await (await fetch(`${worker.url}/readyz`)).json()) as { role: string }).role).toBe('all');

    // A lag shows as lag: appended here, folded by nobody while the all instance's projections are stopped.
    await worker.service.projections.stop();
    await worker.service.consumer.stop();
    expect(await e2e.push(OA.appid, { event: 'subscribe', openid: 'o-api-lag' })).toEqual({ status: 200, body: 'success' });
    const lagging = (await (await fetch(`${e2e.url}/readyz`)).json()) as { checks: { projections: { lag: number }[] } };
    expect(lagging.checks.projections.every((p) => p.lag >= 1)).toBe(true);

    // No relay or processor series for work this instance does not do.
    const metrics = await (await fetch(`${e2e.url}/metrics`)).text();
    expect(metrics).not.toMatch(/^outbox_relay_lag_events /m);
    expect(metrics).not.toMatch(/^ledger_processor_failing\{/m);
    expect(await (await fetch(`${worker.url}/metrics`)).text()).toMatch(/^outbox_relay_lag_events /m);
  });
});
