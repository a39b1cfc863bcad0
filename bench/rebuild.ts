// Measures a blue/green rebuild of both projections from position 0 (DESIGN.md §6: ≥ 50k events/s).
//
//   npm run bench -- rebuild [--events=1000000] [--database=proj_bench]
//
// The ledger is generated once into its own database (kept for reruns; drop it by hand) with a
// realistic mix: OA follows and unfollows, MP logins with and without unionid, unionid
// resolutions, conversions. Then the runner catches up, both projections are rebuilt at once, and
// the time from the request to both new versions being active is reported, with the CPU time the
// node process and the PostgreSQL backends spent (on a shared machine the wall time depends on
// what else runs; CPU time much less). ONLY=identity-links|follow-state rebuilds one projection;
// VERIFY=1 compares the rebuilt tables with a fresh fold afterwards.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { sql } from 'kysely';
import pg from 'pg';
import type { NewEvent } from '../src/ledger/events.ts';
import { createLedger } from '../src/ledger/ledger.ts';
import { migrateToLatest } from '../src/ledger/migrate.ts';
import { openStorage } from '../src/ledger/openStorage.ts';
import { createProjectionRunner } from '../projections/projectionRunner.ts';
import { verifyProjections } from '../projections/verifyProjections.ts';
import { ADMIN_URL } from './benchDatabase.ts';
import { benchFlags } from './benchFlags.ts';

const OA = 'wxbenchoa';
const MP = 'wxbenchmp';
const NEW_OA = 'wxbenchoa2';
const kinds = { [OA]: 'oa', [MP]: 'mp', [NEW_OA]: 'oa' } as const;
const ctx = { kindOf: (appid: string) => kinds[appid as keyof typeof kinds] };

export async function main(args: string[]): Promise<void> {
  const flags = benchFlags(args);
  const target = flags.number('events', 1_000_000);
  const database = flags.string('database', 'proj_bench');
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  const exists = await admin.query('select 1 from pg_database where datname = $1', [database]);
  if (exists.rowCount === 0) await admin.query(`create database ${database}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;

  const storage = await openStorage({ databaseUrl: url.toString() });
  await migrateToLatest(storage.db);
  const ledger = createLedger(storage);

  /** Person i's facts, deterministic: about 3.3 events per person. */
  function personEvents(i: number): NewEvent[] {
    const minute = (n: number) => new Date(Date.UTC(2024, 0, 1) + i * 1000 + n * 60_000).toISOString();
    const oa = `oa-${i}`;
    const mp = `mp-${i}`;
    const unionid = `u-${i}`;
    const meta = (kind: string, source: NewEvent['meta']['source'] = 'webhook') => ({ source, idempotencyKey: `bench:${kind}:${i}` });
    const events: NewEvent[] = [{ type: 'follow.subscribed', data: { appid: OA, openid: oa, scene: 'qrscene_x' }, meta: meta('sub'), occurredAt: minute(0) }];
    if (i % 2 === 0) events.push({ type: 'login.recorded', data: { appid: MP, openid: mp, unionid }, meta: meta('login', 'login'), occurredAt: minute(1) });
    else events.push({ type: 'login.recorded', data: { appid: MP, openid: mp }, meta: meta('login', 'login'), occurredAt: minute(1) });
    if (i % 5 < 3) events.push({ type: 'unionid.resolved', data: { appid: OA, openid: oa, unionid, via: 'user_info' }, meta: meta('resolved', 'backfill'), occurredAt: minute(2) });
    if (i % 5 === 4) events.push({ type: 'follow.unsubscribed', data: { appid: OA, openid: oa }, meta: meta('unsub'), occurredAt: minute(3) });
    if (i % 20 === 7) {
      events.push({ type: 'openid.converted', data: { fromAppid: OA, fromOpenid: oa, toAppid: NEW_OA, toOpenid: `new-${i}` }, meta: meta('conv', 'conversion'), occurredAt: minute(4) });
    }
    return events;
  }

  let head = await ledger.head();
  if (head < target) {
    console.log(`generating ${target - head} events into ${database} …`);
    // Resume by person: every person's events go in one append, so a person is all in or all out.
    let person = head === 0 ? 0 : Number((await storage.db.selectFrom('events').select('idempotency_key').where('position', '=', head).executeTakeFirstOrThrow()).idempotency_key.split(':')[2]) + 1;
    while (head < target) {
      const batch: NewEvent[] = [];
      while (batch.length < 5000 && head + batch.length < target) batch.push(...personEvents(person++));
      const result = await ledger.append(batch);
      head = result.events[result.events.length - 1]!.position;
      if (head % 100_000 < 5000) console.log(`  … ${head}`);
    }
  }
  console.log(`ledger head ${head}`);

  const trace: Record<string, { batches: number; first: number; last: number }> = {};
  const runner = createProjectionRunner({
    ledger,
    ctx,
    onApplied(batch) {
      if (!batch.rebuilding) return;
      const t = (trace[batch.name] ??= { batches: 0, first: Date.now(), last: 0 });
      t.batches++;
      t.last = Date.now();
    },
  }).start();
  let started = Date.now();
  await runner.waitFor(head, 10 * 60_000);
  console.log(`caught up (first start or live backlog) in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  /** CPU seconds the PostgreSQL backends serving this database have used (Linux /proc). */
  const backendPids = async () =>
    (await sql<{ pid: number }>`select pid from pg_stat_activity where datname = current_database()`.execute(storage.db)).rows.map((r) => r.pid);
  const cpuOf = (pids: number[]) =>
    pids.reduce((sum, pid) => {
      try {
        const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        return sum + (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks
      } catch {
        return sum; // not on this machine, or gone
      }
    }, 0);
  const pidsBefore = await backendPids();
  const pgBefore = new Map(pidsBefore.map((pid) => [pid, cpuOf([pid])]));

  started = Date.now();
  const cpuBefore = process.cpuUsage();
  const only = process.env.ONLY as 'identity-links' | 'follow-state' | undefined;
  const rebuilt = await Promise.all((only ? [only] : (['identity-links', 'follow-state'] as const)).map((name) => runner.rebuild(name)));
  const seconds = (Date.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const pids = [...new Set([...pidsBefore, ...(await backendPids())])];
  const pgCpu = pids.reduce((sum, pid) => sum + cpuOf([pid]) - (pgBefore.get(pid) ?? 0), 0);
  console.log(`rebuilt ${rebuilt.map((r) => `${r.name} v${r.version}`).join(', ')}: ${head} events in ${seconds.toFixed(2)} s`);
  const nodeCpu = (cpu.user + cpu.system) / 1e6;
  console.log(`=> ${Math.round(head / seconds).toLocaleString('en')} events/s (both projections, from position 0)`);
  console.log(
    `   CPU: node ${nodeCpu.toFixed(1)} s + PostgreSQL ${pgCpu.toFixed(1)} s = ${(nodeCpu + pgCpu).toFixed(1)} s` +
      ` (load average at the end ${loadavg()[0]!.toFixed(1)}: other processes share the cores)`,
  );

  for (const [name, t] of Object.entries(trace)) console.log(`  ${name}: ${t.batches} batches, folded in ${((t.last - started) / 1000).toFixed(2)} s`);
  if (process.env.VERIFY) {
    const v = await verifyProjections(ledger, ctx);
    console.log(v.map((r) => `${r.name}: ok=${r.ok} checked=${r.checked}`).join('; '));
  }
  await runner.stop();
  await ledger.close();
  await storage.close();
}
