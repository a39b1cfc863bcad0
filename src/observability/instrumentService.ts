import type { Ledger } from '../ledger/ledger.ts';
import type { Storage } from '../ledger/openStorage.ts';
import type { OutboxRelay } from '../bus/outboxRelay.ts';
import type { LedgerConsumer } from '../ledger/consumer/ledgerConsumer.ts';
import type { Metrics } from './metrics.ts';
import { countAppendsByType } from './countAppendsByType.ts';
import { unfinishedJobs } from './unfinishedJobs.ts';

/** Connects the metrics that need the running service: appends by type, job progress, the bus, the consumer's processors. */
export async function instrumentService(
  metrics: Metrics,
  service: { ledger: Ledger; storage: Storage; relay: OutboxRelay; consumer: LedgerConsumer; runsProcessors: boolean },
): Promise<void> {
  await countAppendsByType(service.ledger, metrics.ledgerAppendsByType);
  metrics.sources.jobs = () => unfinishedJobs(service.storage.db);
  metrics.sources.relay = () => service.relay.status();
  if (!service.runsProcessors) {
    // An api instance (LEDGER_ROLE=api) runs no relay or processor: no lag or failing series that
    // would read as "caught up" or "healthy" for work another instance does.
    metrics.registry.removeSingleMetric('outbox_relay_lag_events');
    return;
  }
  metrics.sources.processors = () => service.consumer.status();
}
