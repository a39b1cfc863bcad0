import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The service's Prometheus metrics, one registry per service instance (tests create many). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
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
    relayLag: new Gauge({ name: 'outbox_relay_lag_events', help: 'Ledger head minus the relay cursor', registers: [registry] }),
    relayPublishLag: new Histogram({
      name: 'outbox_publish_lag_seconds',
      help: 'Time from ledger commit to bus acknowledgement',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30],
      registers: [registry],
    }),
    projectionLag: new Gauge({ name: 'projection_lag_events', help: 'Ledger head minus the projection checkpoint', labelNames: ['projection'], registers: [registry] }),
  };
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;
