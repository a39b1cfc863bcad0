import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2E, OA, type E2E } from '../support/e2eHarness.ts';
import { until } from '../support/until.ts';
import { REPO_ROOT } from '../support/serviceProcess.ts';
import { TEST_SETTINGS } from '../jobs/support/jobsHarness.ts';

/** What operators and integrators open next to the API: /docs, /asyncapi.json, /metrics. */
describe('operator endpoints', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E({ followers: 5, jobs: { settings: TEST_SETTINGS } });
  });
  afterAll(async () => {
    await e2e?.close();
  });

  const metrics = async () => (await fetch(`${e2e.url}/metrics`)).text();
  const sample = (text: string, series: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };

  it('/docs loads with everything from the service itself: no CDN, no external URL', async () => {
    const page = await fetch(`${e2e.url}/docs`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).not.toMatch(/https?:\/\//);
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.sort()).toEqual(['/docs/swagger-ui-dist/swagger-ui-bundle.js', '/docs/swagger-ui-dist/swagger-ui.css']);
    for (const asset of assets) {
      const response = await fetch(`${e2e.url}${asset}`);
      expect(response.status).toBe(200);
      const body = Buffer.from(await response.arrayBuffer());
      expect(body.equals(readFileSync(join(REPO_ROOT, 'node_modules/swagger-ui-dist', asset.split('/').pop()!)))).toBe(true);
    }
    expect(html).toContain("url: '/openapi.json'");
    expect(html).toContain("validatorUrl: 'none'"); // no badge fetched from swagger.io
    expect((await fetch(`${e2e.url}/docs/swagger-ui-dist/package.json`)).status).toBe(404);
  });

  it('/asyncapi.json is the checked-in document', async () => {
    const response = await fetch(`${e2e.url}/asyncapi.json`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(JSON.parse(readFileSync(join(REPO_ROOT, 'schemas/asyncapi.json'), 'utf8')));
  });

  it('/metrics has appends by type (a repeated push counted once), build info, bus and relay state', async () => {
    const openid = e2e.simulator.state.openidOf(OA.appid, 0);
    const push = { event: 'subscribe' as const, openid, createTime: Math.floor(Date.now() / 1000) };
    expect(await e2e.push(OA.appid, push)).toEqual({ status: 200, body: 'success' });
    expect(await e2e.push(OA.appid, push)).toEqual({ status: 200, body: 'success' }); // WeChat's retry: deduped
    const text = await until(async () => {
      const t = await metrics();
      return sample(t, 'outbox_relay_leader{publisher="nats"}') === 1 && sample(t, 'bus_connected{publisher="nats"}') === 1 ? t : undefined;
    }, 15_000);
    expect(sample(text, 'ledger_events_appended_by_type_total{type="follow.subscribed"}')).toBe(1);
    expect(text).toMatch(/^identity_ledger_build_info\{version="\d+\.\d+\.\d+",revision="[^"]+"\} 1$/m);
  });

  it('/metrics has the progress of unfinished jobs (here one paused by WeChat’s daily quota)', async () => {
    e2e.simulator.state.setFaults({ quotas: [{ api: 'user/get', perDay: 0 }] });
    try {
      const started = await e2e.api(`/v1/accounts/${OA.appid}/reconciliations`, { method: 'POST' });
      expect(started.status).toBe(202);
      const text = await until(async () => {
        const t = await metrics();
        return sample(t, `job_progress_done_items{kind="reconciliation",appid="${OA.appid}",status="paused"}`) !== undefined ? t : undefined;
      }, 30_000);
      expect(sample(text, `job_progress_done_items{kind="reconciliation",appid="${OA.appid}",status="paused"}`)).toBe(0);
    } finally {
      e2e.simulator.state.clearFaults();
    }
  });
});
