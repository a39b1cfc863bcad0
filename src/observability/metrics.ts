import { readFileSync } from 'node:fs';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What the scrape-time gauges read; `instrumentService` fills it in once the service exists. */
export type MetricSources = {
  jobs?: () => Promise<{ kind: string; appid: string; status: string; done: number; total: number | null }[]>;
  relay?: () => { publisher: string; leader: boolean; connected: boolean; head: number; cursor: number };
  /** The ledger consumer's processors (relay, live projections, reactors): positions are known on the leader only. */
  processors?: () => { head: number; processors: { name: string; position: number | null; lastError: string | null }[] };
};

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** The service's Prometheus metrics, one registry per service instance (tests create many). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const sources: MetricSources = {};
  const metrics = {
    registry,
    httpRequests: new Counter({ name: 'http_requests_total', help: 'HTTP requests', labelNames: ['method', 'route', 'status'], registers: [registry] }),
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    ledgerAppends: new Counter({ name: 'ledger_events_appended_total', help: 'Events appended to the ledger', registers: [registry] }),
    ledgerBatches: new Counter({ name: 'ledger_commit_batches_total', help: 'Group-commit transactions', registers: [registry] }),
    erasures: new Counter({ name: 'erasures_total', help: 'People erased (crypto-shredded), by account and reason', labelNames: ['appid', 'reason'], registers: [registry] }),
    ledgerDedupeHits: new Counter({ name: 'ledger_dedupe_hits_total', help: 'Appends answered with the original event (idempotency key seen before)', labelNames: ['source'], registers: [registry] }),
    pushes: new Counter({ name: 'wechat_pushes_total', help: 'WeChat pushes received, by kind and outcome', labelNames: ['appid', 'kind', 'outcome'], registers: [registry] }),
    wechatCalls: new Counter({ name: 'wechat_api_calls_total', help: 'Calls to WeChat APIs by errcode', labelNames: ['appid', 'api', 'errcode'], registers: [registry] }),
    wechatCallDuration: new Histogram({ name: 'wechat_api_call_duration_seconds', help: 'WeChat API call duration', labelNames: ['api'], registers: [registry] }),
    relayLag: new Gauge({
      name: 'outbox_relay_lag_events',
      help: 'Ledger head minus the relay cursor',
      registers: [registry],
      collect() {
        const relay = sources.relay?.();
        if (relay) this.set(Math.max(0, relay.head - relay.cursor));
      },
    }),
    relayPublishLag: new Histogram({
      name: 'outbox_publish_lag_seconds',
      help: 'Time from ledger commit to bus acknowledgement',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30],
      registers: [registry],
    }),
    projectionLag: new Gauge({ name: 'projection_lag_events', help: 'Ledger head minus the projection checkpoint', labelNames: ['projection'], registers: [registry] }),
    ledgerAppendsByType: new Counter({ name: 'ledger_events_appended_by_type_total', help: 'Events appended to the ledger by this process, by event type', labelNames: ['type'], registers: [registry] }),
    jobProgressDone: new Gauge({
      name: 'job_progress_done_items',
      help: 'Items done by each unfinished job (queued, running, paused), read from the jobs table at scrape time: the same on every instance',
      labelNames: ['kind', 'appid', 'status'],
      registers: [registry],
      async collect() {
        await collectJobs(this, (job) => job.done);
      },
    }),
    jobProgressTotal: new Gauge({
      name: 'job_progress_total_items',
      help: 'Items to do of each unfinished job, when known',
      labelNames: ['kind', 'appid', 'status'],
      registers: [registry],
      async collect() {
        await collectJobs(this, (job) => job.total);
      },
    }),
    busConnected: new Gauge({
      name: 'bus_connected',
      help: "1 while this process's publisher is connected (NATS: connection open and stream checked; in-process: always). Only the relay leader connects",
      labelNames: ['publisher'],
      registers: [registry],
      collect() {
        const relay = sources.relay?.();
        this.reset();
        if (relay) this.set({ publisher: relay.publisher }, relay.connected ? 1 : 0);
      },
    }),
    relayLeader: new Gauge({
      name: 'outbox_relay_leader',
      help: '1 on the one instance that runs the outbox relay',
      labelNames: ['publisher'],
      registers: [registry],
      collect() {
        const relay = sources.relay?.();
        this.reset();
        if (relay) this.set({ publisher: relay.publisher }, relay.leader ? 1 : 0);
      },
    }),
    erasuresUnconfirmed: new Counter({
      name: 'erasures_unconfirmed_total',
      help: 'Unsubscribe pushes to plain-mode accounts not erased because WeChat did not confirm them (why: still_following, invalid_openid, rejected)',
      labelNames: ['appid', 'why'],
      registers: [registry],
    }),
    processorLag: new Gauge({
      name: 'ledger_processor_lag_events',
      help: "Ledger head minus each ledger-consumer processor's position (outbox relay, projections, unionid and erasure reactors), on the instance that leads",
      labelNames: ['processor'],
      registers: [registry],
      collect() {
        this.reset();
        const status = sources.processors?.();
        for (const p of status?.processors ?? []) if (p.position !== null) this.set({ processor: p.name }, Math.max(0, status!.head - p.position));
      },
    }),
    processorFailing: new Gauge({
      name: 'ledger_processor_failing',
      help: "1 while a ledger-consumer processor's last try failed (it is retried after a pause; the reason is in the log)",
      labelNames: ['processor'],
      registers: [registry],
      collect() {
        this.reset();
        for (const p of sources.processors?.().processors ?? []) this.set({ processor: p.name }, p.lastError === null ? 0 : 1);
      },
    }),
    buildInfo: new Gauge({ name: 'identity_ledger_build_info', help: 'Always 1: the version (package.json) and revision (LEDGER_REVISION, set at image build) running', labelNames: ['version', 'revision'], registers: [registry] }),
  };
  metrics.buildInfo.set({ version: VERSION, revision: process.env.LEDGER_REVISION || 'unknown' }, 1);

  // A scrape must answer even when the database does not: the job gauges are then left empty.
  async function collectJobs(gauge: Gauge<'kind' | 'appid' | 'status'>, value: (job: { done: number; total: number | null }) => number | null) {
    gauge.reset();
    const jobs = await withTimeout(sources.jobs?.() ?? Promise.resolve([]), 1000).catch(() => []);
    for (const job of jobs) {
      const v = value(job);
      if (v !== null) gauge.set({ kind: job.kind, appid: job.appid, status: job.status }, v);
    }
  }
  return { ...metrics, sources };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([promise, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error('timed out')), ms).unref()))]).finally(() => clearTimeout(timer));
}

export type Metrics = ReturnType<typeof createMetrics>;
