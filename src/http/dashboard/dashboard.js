// The follower dashboard. Every figure comes from the keyed JSON API; the key is typed in, kept
// in this tab's sessionStorage and sent as an Authorization header, never in a URL. Values are
// written with textContent only: scene strings come from outside.
'use strict';

const KEY_ITEM = 'identity-ledger.dashboard.key';
const $ = (id) => document.getElementById(id);
const fmt = new Intl.NumberFormat('en-US');
const charts = [];

function setStatus(text, error = false) {
  $('status').textContent = text;
  $('status').classList.toggle('error', error);
}

async function api(path, { keyed = true } = {}) {
  const headers = { accept: 'application/json' };
  if (keyed) headers.authorization = `Bearer ${sessionStorage.getItem(KEY_ITEM) ?? ''}`;
  const response = await fetch(path, { headers });
  const body = await response.json().catch(() => null);
  if (response.status === 401) {
    forgetKey();
    throw new Error('The API key was refused (401): enter it again.');
  }
  if (!response.ok && !(path === '/readyz' && response.status === 503)) throw new Error(`${path.split('?')[0]}: ${response.status} ${body?.error?.code ?? ''}`);
  return body;
}

/** Today in Beijing, and `days` days before it, as YYYY-MM-DD. */
function beijingDay(offsetDays = 0) {
  return new Date(Date.now() + 8 * 3600_000 + offsetDays * 86_400_000).toISOString().slice(0, 10);
}

/**
 * Scene strings come from outside (a QR code's `EventKey`): bidi controls in them (U+202A–U+202E,
 * U+2066–U+2069, U+200E/U+200F, U+061C) would reorder what the page shows — `qrscene_\u202Egnp.exe`
 * reads as `exe.png` — and other control characters would be invisible. They are shown as
 * `[U+202E]`, so what is displayed is what was recorded. (The row's `data-scene` keeps it exact.)
 */
const HIDDEN = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
function visible(text) {
  return text.replace(HIDDEN, (c) => `[U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}]`);
}

function cell(row, text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  row.append(td);
  return td;
}

function fillTable(id, items, render) {
  const body = $(id).tBodies[0];
  body.replaceChildren();
  for (const item of items) {
    const row = document.createElement('tr');
    render(row, item);
    body.append(row);
  }
  if (items.length === 0) {
    const row = document.createElement('tr');
    cell(row, 'none', 'note').colSpan = $(id).tHead.rows[0].cells.length;
    body.append(row);
  }
}

function setStat(name, value) {
  for (const element of document.querySelectorAll(`[data-stat="${name}"]`)) element.textContent = value;
}

const dayTime = (day) => Date.parse(`${day}T00:00:00+08:00`) / 1000;

function chart(target, title, series, days, options = {}) {
  const width = Math.max($(target).clientWidth, 300);
  const bars = uPlot.paths.bars({ size: [0.7, 40], align: 0 });
  const made = new uPlot(
    {
      title,
      width,
      height: options.height ?? 220,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), 'Asia/Shanghai'),
      scales: { x: { time: true } },
      axes: [{}, { size: 60, values: (_, ticks) => ticks.map((t) => fmt.format(t)) }],
      series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, fill: s.bar ? `${s.color}cc` : undefined, width: s.bar ? 0 : 2, paths: s.bar ? bars : undefined, points: { show: !s.bar && days.length < 60 } }))],
    },
    [days.map((d) => dayTime(d.day)), ...series.map((s) => days.map(s.value))],
    $(target),
  );
  charts.push(made);
}

function renderDaily(daily) {
  for (const c of charts.splice(0)) c.destroy();
  const { days, totals } = daily;
  setStat('total', fmt.format(totals.total));
  for (const name of ['new', 'lost', 'net', 'reconciledIn', 'reconciledOut', 'erasures']) setStat(name, fmt.format(totals[name]));
  chart('chart-total', 'Followers (total at the end of each day)', [{ label: 'total', color: '#1971c2', value: (d) => d.total }], days);
  chart('chart-daily', 'New, lost and net per day', [
    { label: 'new', color: '#2f9e44', bar: true, value: (d) => d.new },
    { label: 'lost', color: '#e03131', bar: true, value: (d) => -d.lost },
    { label: 'net', color: '#1d2430', value: (d) => d.net },
  ], days);
  chart('chart-erasures', '', [{ label: 'erasures', color: '#7048e8', bar: true, value: (d) => d.erasures }], days, { height: 160 });
  fillTable('days', [...days].reverse(), (row, d) => {
    row.dataset.day = d.day;
    cell(row, d.day);
    for (const name of ['new', 'lost', 'reconciledIn', 'reconciledOut', 'erasedFollowing', 'net', 'total', 'erasures']) cell(row, fmt.format(d[name]), 'num').dataset.field = name;
  });
  fillTable('runs', [...daily.reconciliations].reverse(), (row, run) => {
    cell(row, new Date(run.completedAt).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false }));
    cell(row, fmt.format(run.followers), 'num').dataset.field = 'followers';
    cell(row, fmt.format(run.added), 'num').dataset.field = 'added';
    cell(row, fmt.format(run.removed), 'num').dataset.field = 'removed';
  });
}

function renderScenes(scenes) {
  const top = Math.max(1, ...scenes.scenes.map((s) => s.new));
  fillTable('scenes', scenes.scenes, (row, s) => {
    row.dataset.bucket = s.bucket;
    if (s.scene !== null) row.dataset.scene = s.scene;
    const name = cell(row, s.bucket === 'scene' ? visible(s.scene) : s.bucket === 'none' ? '(no scene)' : '(erased)');
    if (s.bucket !== 'scene') name.className = 'bucket';
    cell(row, fmt.format(s.new), 'num').dataset.field = 'new';
    cell(row, fmt.format(s.lost), 'num').dataset.field = 'lost';
    cell(row, `${(s.churn * 100).toFixed(1)}%`, 'num').dataset.field = 'churn';
    const bar = document.createElement('div');
    bar.className = 'bar';
    bar.style.width = `${(s.new / top) * 100}%`;
    cell(row, '').append(bar);
  });
  $('scenes-more').textContent = scenes.more > 0 ? `${scenes.more} more scenes not shown` : '';
}

function renderCoverage(stats) {
  const all = stats.withUnionid + stats.withoutUnionid;
  setStat('unionidCoverage', all === 0 ? '–' : `${((stats.withUnionid / all) * 100).toFixed(1)}%`);
  setStat('withUnionid', fmt.format(stats.withUnionid));
  setStat('withoutUnionid', fmt.format(stats.withoutUnionid));
}

function renderLag(projections, ready) {
  const relay = ready?.checks?.relay;
  const rows = [
    ...(relay ? [{ name: 'outbox relay (NATS)', lag: relay.lag, state: relay.failing ? 'failing' : relay.connected === false ? 'disconnected' : 'ok' }] : []),
    ...projections.projections.map((p) => ({ name: `projection ${p.name}`, lag: p.lag, state: p.failing ? 'failing' : p.rebuilding ? `rebuilding v${p.rebuilding.version}` : 'ok' })),
  ];
  // /v1/projections says `failing` (a flag, like /readyz): the error text stays in the service log.
  fillTable('lag', rows, (row, r) => {
    row.dataset.name = r.name;
    row.dataset.state = r.state;
    cell(row, r.name);
    cell(row, fmt.format(r.lag), 'num').dataset.field = 'lag';
    cell(row, r.state, r.state === 'ok' ? '' : 'failing');
  });
}

function renderJobs(jobs) {
  fillTable('jobs', jobs.jobs, (row, job) => {
    cell(row, job.kind);
    cell(row, job.status, job.status === 'failed' ? 'failing' : '');
    cell(row, `${fmt.format(job.progress.done)} / ${job.progress.total === null ? '?' : fmt.format(job.progress.total)}`, 'num');
    cell(row, new Date(job.createdAt).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false }));
  });
}

async function show() {
  const appid = $('appid').value;
  const range = `from=${$('from').value}&to=${$('to').value}`;
  const account = `/v1/accounts/${encodeURIComponent(appid)}`;
  setStatus('Loading…');
  try {
    const [daily, scenes, stats, projections, ready, jobs] = await Promise.all([
      api(`${account}/stats/daily?${range}`),
      api(`${account}/stats/scenes?${range}&limit=20`),
      api(`${account}/stats`),
      api('/v1/projections'),
      api('/readyz', { keyed: false }).catch(() => null),
      api(`/v1/jobs?appid=${encodeURIComponent(appid)}&limit=10`),
    ]);
    $('main').hidden = false;
    renderDaily(daily);
    renderScenes(scenes);
    renderCoverage(stats);
    renderLag(projections, ready);
    renderJobs(jobs);
    setStatus(`${appid}, ${daily.from} to ${daily.to} (Beijing days)`);
    document.body.dataset.loaded = `${appid} ${daily.from} ${daily.to}`;
  } catch (error) {
    setStatus(error.message, true);
  }
}

async function open() {
  try {
    const { accounts } = await api('/v1/accounts');
    const shown = accounts.some((a) => a.kind === 'oa') ? accounts.filter((a) => a.kind === 'oa') : accounts;
    $('appid').replaceChildren(...shown.map((a) => new Option(`${a.appid} (${a.kind})`, a.appid)));
    $('key-form').hidden = true;
    $('controls').hidden = false;
    if (shown.length === 0) return setStatus('This key sees no account.', true);
    await show();
  } catch (error) {
    setStatus(error.message, true);
  }
}

function forgetKey() {
  sessionStorage.removeItem(KEY_ITEM);
  $('key-form').hidden = false;
  $('controls').hidden = true;
  $('main').hidden = true;
}

$('key-form').addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem(KEY_ITEM, $('key').value.trim());
  $('key').value = '';
  open();
});
$('controls').addEventListener('submit', (event) => {
  event.preventDefault();
  show();
});
$('forget').addEventListener('click', () => {
  forgetKey();
  setStatus('Key forgotten.');
});

$('from').value = beijingDay(-29);
$('to').value = beijingDay(0);
if (sessionStorage.getItem(KEY_ITEM)) open();
