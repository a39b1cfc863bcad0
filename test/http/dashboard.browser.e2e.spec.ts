import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewEvent } from '../../src/ledger/events.ts';
import { READ_KEY, OA, keepWithdrawals, startE2E, type E2E } from '../support/e2eHarness.ts';
import { until } from '../support/until.ts';

/** Debian's package (`.ci/run` installs it): no browser can be downloaded here. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const chromiumPresent = existsSync(CHROMIUM);
/** Where the screenshot goes; `DASHBOARD_SCREENSHOT=docs/dashboard.png` refreshes the README's. */
const SCREENSHOT = process.env.DASHBOARD_SCREENSHOT ?? join(tmpdir(), 'identity-ledger-dashboard.png');

type Json = Record<string, any>;
const json = (response: Response): Promise<Json> => response.json() as Promise<Json>;
const fmt = new Intl.NumberFormat('en-US');

/** A small deterministic generator, so the seeded ledger (and the screenshot) is the same every run. */
function random(seed: number) {
  return () => ((seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32);
}

/**
 * The dashboard against a seeded ledger, in headless Chromium: four weeks of subscribes through
 * QR scenes and unsubscribes (appended with their past event times), a reconciliation against
 * the simulator, erasures on request; the numbers the page shows must be the API's.
 */
describe.skipIf(!chromiumPresent)('the dashboard in a browser (Chromium, PostgreSQL, simulator)', () => {
  let e2e: E2E;
  let browser: Browser;
  beforeAll(async () => {
    e2e = await startE2E({ followers: 260, configure: keepWithdrawals });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await e2e?.close();
  });

  async function seed() {
    const state = e2e.simulator.state;
    const next = random(14);
    const scenes = ['spring2025', 'store-shanghai', 'poster-metro', 'livestream'];
    const events: NewEvent[] = [];
    const day = 86_400_000;
    const start = Date.now() - 27 * day;
    for (let n = 0; n < 220; n++) {
      const openid = state.openidOf(OA.appid, n);
      const at = start + Math.floor(next() * 27 * day);
      const r = next();
      const scene = r < 0.2 ? undefined : scenes[Math.floor(((r - 0.2) / 0.8) ** 1.6 * scenes.length)]!;
      events.push({ type: 'follow.subscribed', data: { appid: OA.appid, openid, ...(scene ? { scene, eventKey: `qrscene_${scene}` } : {}) }, meta: { source: 'webhook', idempotencyKey: `seed-sub-${n}` }, occurredAt: new Date(at).toISOString() });
      if (next() < 0.18) {
        const left = Math.min(at + Math.floor(next() * 10 * day) + 60_000, Date.now() - 3_600_000);
        events.push({ type: 'follow.unsubscribed', data: { appid: OA.appid, openid }, meta: { source: 'webhook', idempotencyKey: `seed-unsub-${n}` }, occurredAt: new Date(left).toISOString() });
        // WeChat agrees: the reconciliation below finds them gone too, and no drift for them.
        state.unfollow(OA.appid, openid);
      }
    }
    events.sort((a, b) => Date.parse(a.occurredAt as string) - Date.parse(b.occurredAt as string));
    await e2e.server.service.ledger.append(events);
    // Drift: WeChat lists followers whose pushes never came (220..259), and lost two of ours.
    state.unfollow(OA.appid, state.openidOf(OA.appid, 3));
    state.unfollow(OA.appid, state.openidOf(OA.appid, 4));
    const { jobId } = await json(await e2e.api(`/v1/accounts/${OA.appid}/reconciliations`, { method: 'POST' }));
    await until(async () => ((await json(await e2e.api(`/v1/jobs/${jobId}`))).status === 'done' ? true : undefined), 30_000, 'the reconciliation');
    // Two people ask to be forgotten: their scenes move to "(erased)".
    for (const n of [10, 11]) {
      expect((await e2e.api('/v1/erasures', { method: 'POST', body: JSON.stringify({ appid: OA.appid, openid: state.openidOf(OA.appid, n) }) })).status).toBe(201);
    }
    await e2e.server.service.projections.waitFor(await e2e.server.service.ledger.head());
  }

  it('shows the API\'s numbers, and a screenshot is saved', async () => {
    await seed();
    const daily = await json(await e2e.api(`/v1/accounts/${OA.appid}/stats/daily`, { key: READ_KEY }));
    const scenes = await json(await e2e.api(`/v1/accounts/${OA.appid}/stats/scenes?from=${daily.from}&to=${daily.to}&limit=20`, { key: READ_KEY }));
    const stats = await json(await e2e.api(`/v1/accounts/${OA.appid}/stats`, { key: READ_KEY }));
    expect(daily.days).toHaveLength(30);
    expect(daily.totals.new).toBeGreaterThan(150);
    expect(daily.reconciliations).toEqual([expect.objectContaining({ added: 40, removed: 2 })]);
    expect(daily.totals.total).toBe(stats.followers);
    expect(scenes.totals.new).toBe(daily.totals.new);

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    const failures: string[] = [];
    page.on('pageerror', (error) => failures.push(error.message));
    await page.goto(`${e2e.url}/dashboard`);
    await page.fill('#key', READ_KEY);
    await page.click('#key-form button[type=submit]');
    await page.waitForSelector(`body[data-loaded="${OA.appid} ${daily.from} ${daily.to}"]`, { timeout: 15_000 });
    expect(await page.locator('#key-form').isVisible()).toBe(false);

    const text = (selector: string) => page.locator(selector).first().innerText();
    expect(await text('[data-stat="total"]')).toBe(fmt.format(daily.totals.total));
    for (const name of ['new', 'lost', 'net', 'reconciledIn', 'reconciledOut', 'erasures']) expect(await text(`[data-stat="${name}"]`), name).toBe(fmt.format(daily.totals[name]));
    expect(await text('[data-stat="withUnionid"]')).toBe(fmt.format(stats.withUnionid));
    // Every day of the table, every column.
    const shownDays = await page.$$eval('#days tbody tr', (rows) =>
      rows.map((row) => ({ day: row.getAttribute('data-day'), ...Object.fromEntries([...row.querySelectorAll('[data-field]')].map((td) => [td.getAttribute('data-field'), td.textContent])) })),
    );
    expect(shownDays).toEqual(
      [...daily.days].reverse().map((d: Json) => ({ day: d.day, ...Object.fromEntries(['new', 'lost', 'reconciledIn', 'reconciledOut', 'erasedFollowing', 'net', 'total', 'erasures'].map((f) => [f, fmt.format(d[f])])) })),
    );
    const shownScenes = await page.$$eval('#scenes tbody tr', (rows) =>
      rows.map((row) => ({
        bucket: row.getAttribute('data-bucket'),
        scene: row.getAttribute('data-scene'),
        new: row.querySelector('[data-field="new"]')?.textContent,
        lost: row.querySelector('[data-field="lost"]')?.textContent,
      })),
    );
    expect(shownScenes).toEqual(scenes.scenes.map((s: Json) => ({ bucket: s.bucket, scene: s.scene, new: fmt.format(s.new), lost: fmt.format(s.lost) })));
    expect(shownScenes.map((s) => s.bucket)).toContain('erased');
    expect(await page.$$eval('#runs [data-field="added"]', (cells) => cells.map((c) => c.textContent))).toEqual(['40']);
    expect(await page.locator('#jobs tbody tr').count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator('#chart-total canvas').count()).toBe(1);

    // Nothing from elsewhere (no CDN), and the key never in a URL.
    expect(requested.every((url) => url.startsWith(e2e.url)), requested.join('\n')).toBe(true);
    expect(requested.some((url) => url.includes(READ_KEY))).toBe(false);
    expect(failures).toEqual([]);
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(existsSync(SCREENSHOT)).toBe(true);
    await page.close();
  });

  it('shows a failing projection as failing in the pipeline table (red team 2, F5)', async () => {
    // The page reads /v1/projections as served; one projection's `failing` is turned on in transit.
    const served = await json(await e2e.api('/v1/projections', { key: READ_KEY }));
    expect(served.projections[0]).toHaveProperty('failing', false);
    expect(served.projections[0]).not.toHaveProperty('lastError');
    const failingName = served.projections[0].name as string;
    const page = await browser.newPage();
    await page.route('**/v1/projections', async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as Json;
      body.projections = body.projections.map((p: Json) => (p.name === failingName ? { ...p, failing: true } : p));
      await route.fulfill({ response, json: body });
    });
    await page.goto(`${e2e.url}/dashboard`);
    await page.fill('#key', READ_KEY);
    await page.click('#key-form button[type=submit]');
    await page.waitForSelector('body[data-loaded]', { timeout: 15_000 });
    const states = await page.$$eval('#lag tbody tr', (rows) => rows.map((row) => [row.getAttribute('data-name'), row.cells[2]?.textContent, row.cells[2]?.className]));
    expect(states).toContainEqual([`projection ${failingName}`, 'failing', 'failing']);
    for (const [name, state] of states) if (name !== `projection ${failingName}` && name!.startsWith('projection ')) expect(state, name!).toBe('ok');
    await page.close();
  });

  it('shows bidi and other control characters in a scene escaped, so they cannot reorder the text (red team 2, F6)', async () => {
    const scenes = { reversed: 'qrscene_\u202Egnp.exe', isolated: 'a\u2067b\u2069c\u200Fd\u0007' };
    await e2e.server.service.ledger.append(
      Object.entries(scenes).map(([name, eventKey], n) => ({
        type: 'follow.subscribed' as const,
        data: { appid: OA.appid, openid: `o-bidi-${n}`, scene: eventKey.replace(/^qrscene_/, ''), eventKey },
        meta: { source: 'webhook' as const, idempotencyKey: `bidi-${name}` },
      })),
    );
    await e2e.server.service.projections.waitFor(await e2e.server.service.ledger.head());
    const page = await browser.newPage();
    await page.goto(`${e2e.url}/dashboard`);
    await page.fill('#key', READ_KEY);
    await page.click('#key-form button[type=submit]');
    await page.waitForSelector('body[data-loaded]', { timeout: 15_000 });
    const shown = await page.$$eval('#scenes tbody tr[data-bucket="scene"]', (rows) => rows.map((row) => [row.getAttribute('data-scene'), row.cells[0]!.textContent]));
    const textOf = (scene: string) => shown.find(([recorded]) => recorded === scene)?.[1];
    expect(textOf('\u202Egnp.exe')).toBe('[U+202E]gnp.exe');
    expect(textOf('a\u2067b\u2069c\u200Fd\u0007')).toBe('a[U+2067]b[U+2069]c[U+200F]d[U+0007]');
    for (const [, text] of shown) expect(text).not.toMatch(/[\u0000-\u001f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/);
    await page.close();
  });

  it('a wrong key is refused and the page asks again', async () => {
    const page = await browser.newPage();
    await page.goto(`${e2e.url}/dashboard`);
    await page.fill('#key', 'not-a-key-at-all-0123');
    await page.click('#key-form button[type=submit]');
    await page.waitForSelector('#status.error');
    expect(await page.locator('#status').innerText()).toContain('401');
    expect(await page.locator('#key-form').isVisible()).toBe(true);
    await page.close();
  });
});
