// `npm run bench -- <name> [--flag=value …]` runs one benchmark; `npm run bench` lists them.
import type { Benchmark } from './benchmark.ts';

/** One line per benchmark: its name, what it measures, and where it lives. */
const benchmarks: Record<string, { about: string; load: () => Promise<Benchmark> }> = {
  append: { about: 'ledger.append events/s at 1/8/64/256 concurrent callers vs Emmett appendToStream and a raw batched INSERT', load: () => import('./append.ts') },
  ingest: { about: 'webhook ingest end to end (64 connections, separate load process) vs a minimal INSERT handler', load: () => import('./ingest.ts') },
  reconcile: { about: 'reconciliation of a 1M-follower account (initial import, then a pass with drift): seconds, peak RSS', load: () => import('./reconcile.ts') },
  rebuild: { about: 'rebuild both projections from position 0 over 1M generated events (kept in database proj_bench for reruns)', load: () => import('./rebuild.ts') },
  convert: { about: 'openid conversion of 1M openids, killed midway and resumed: calls/s vs configured, exactly-once events', load: () => import('./convert.ts') },
  query: { about: 'user/unionid/follow-status queries over 100k people: max sustained open-loop rate vs a prepared primary-key SELECT, p99 at half of it', load: () => import('./query.ts') },
  parse: { about: 'XML/JSON push parsing of 1 MiB hostile bodies (unterminated CDATA, open tags, deep JSON …): ms each', load: () => import('./parse.ts') },
  stats: { about: 'the dashboard\'s stats queries over a 1M-follower account (daily-stats rows generated in SQL) vs their SQL prepared, and the follower scan they avoid', load: () => import('./stats.ts') },
  'first-start': { about: 'the embedded service\'s peak and resident memory on a first start (PGlite template) and a later one, vs PGlite\'s initdb alone', load: () => import('./firstStart.ts') },
  lag: { about: 'event → NATS publish lag (recordedAt → JetStream consumer) under the ingest load: p50/p99 per event', load: () => import('./lag.ts') },
};

const [name, ...args] = process.argv.slice(2);
const entry = name ? benchmarks[name] : undefined;
if (!entry) {
  if (name) console.error(`unknown benchmark: ${name}\n`);
  console.log('usage: npm run bench -- <name> [--flag=value …]\n');
  for (const [key, { about }] of Object.entries(benchmarks)) console.log(`  ${key.padEnd(10)} ${about}`);
  process.exit(name ? 1 : 0);
}
const benchmark = await entry.load();
await benchmark.main(args);
