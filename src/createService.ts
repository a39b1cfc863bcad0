import type { Account, Config } from './config/schema.ts';
import { openStorage, type Storage } from './ledger/openStorage.ts';
import { migrateToLatest } from './ledger/migrate.ts';
import { resolveMasterKeys } from './config/masterKey.ts';
import { createLedger, type Ledger } from './ledger/ledger.ts';
import { createNatsPublisher } from './bus/natsPublisher.ts';
import { createInProcessBus } from './bus/inProcessBus.ts';
import { createOutboxRelay, type OutboxRelay } from './bus/outboxRelay.ts';
import type { Publisher } from './bus/publisher.ts';
import { createDatabaseTokenStore } from './wechat/api/tokenStore.ts';
import { createWechatClient, type WechatClient } from './wechat/api/wechatClient.ts';
import { createLogger, type Logger } from './observability/logger.ts';
import { createMetrics, type Metrics } from './observability/metrics.ts';
import { instrumentService } from './observability/instrumentService.ts';
import { createUnionidResolver, type UnionidResolver } from './commands/unionidResolver.ts';
import { createSessionKeyVault, type SessionKeyVault } from './commands/sessionKeyVault.ts';
import { createProjectionRunner, type ProjectionRunner } from '../projections/projectionRunner.ts';
import type { ProjectionContext } from '../projections/projection.ts';

export type ServiceOptions = {
  logger?: Logger;
  /** Run the relay and the background workers (false for one-shot CLI commands). */
  background?: boolean;
};

export type Service = {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  storage: Storage;
  ledger: Ledger;
  publisher: Publisher;
  relay: OutboxRelay;
  accounts: Map<string, Account>;
  wechat(appid: string): WechatClient | undefined;
  unionidResolver: UnionidResolver;
  vault: SessionKeyVault;
  projections: ProjectionRunner;
  projectionContext: ProjectionContext;
  close(): Promise<void>;
};

/**
 * Wires one service instance: storage (PostgreSQL or PGlite) migrated to the latest schema, the
 * ledger, the bus (JetStream or in-process) with its relay, WeChat clients sharing one token
 * store, and the background workers. Everything stateful lives in the database, so any number
 * of instances may run against one PostgreSQL.
 */
export async function createService(config: Config, options: ServiceOptions = {}): Promise<Service> {
  const logger = options.logger ?? createLogger();
  const metrics = createMetrics();
  if (config.usingDemoConfig && config.databaseUrl) {
    logger.warn('running the embedded DEMO configuration (published API key) against PostgreSQL: set LEDGER_CONFIG for production');
  }
  const masterKeys = resolveMasterKeys(config);
  const storage = await openStorage({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, ...(config.postgres ? { postgres: config.postgres } : {}) });
  try {
    await migrateToLatest(storage.db);
  } catch (error) {
    await storage.close();
    throw error;
  }
  const ledger = createLedger(storage, {
    masterKeys,
    // On PostgreSQL the next batch plans while the one ahead commits: +14–17 % pushes/s in paired
    // ingest runs (bench/README.md). PGlite has one connection, so there is nothing to overlap.
    pipeline: Boolean(config.databaseUrl),
    onCommit(_head, appended) {
      metrics.ledgerAppends.inc(appended);
      metrics.ledgerBatches.inc();
    },
  });
  try {
    // The ledger's keys open with the configured master key, or the start stops here.
    await ledger.privacy();
  } catch (error) {
    await storage.close();
    throw error;
  }
  const publisher: Publisher = config.natsUrl ? await createNatsPublisher({ url: config.natsUrl, maxAgeSeconds: config.nats.streamMaxAgeSeconds }) : createInProcessBus();
  const relay = createOutboxRelay({
    ledger,
    publisher,
    onPublished(_count, lagMs) {
      metrics.relayPublishLag.observe(lagMs / 1000);
    },
    onError(error) {
      logger.warn({ err: error.message, publisher: publisher.name }, 'outbox relay: publish failed, will retry');
    },
  });
  await instrumentService(metrics, { ledger, storage, relay });

  const accounts = new Map(config.accounts.map((account) => [account.appid, account]));
  const tokenStore = createDatabaseTokenStore(storage.db, { crossProcess: storage.kind === 'postgres' });
  const clients = new Map<string, WechatClient>();
  const wechat = (appid: string) => {
    const account = accounts.get(appid);
    if (!account) return undefined;
    let client = clients.get(appid);
    if (!client) {
      client = createWechatClient({
        account,
        settings: config.wechat,
        tokenStore,
        onCall(info) {
          metrics.wechatCalls.inc({ appid: info.appid, api: info.api, errcode: info.errcode === null ? 'none' : String(info.errcode) });
          metrics.wechatCallDuration.observe({ api: info.api }, info.ms / 1000);
        },
      });
      clients.set(appid, client);
    }
    return client;
  };
  const unionidResolver = createUnionidResolver({ ledger, clientOf: wechat, logger });
  const vault = createSessionKeyVault(storage.db, config.sessionKeySecret);
  const projectionContext: ProjectionContext = { kindOf: (appid) => accounts.get(appid)?.kind };
  const projections = createProjectionRunner({
    ledger,
    ctx: projectionContext,
    daemon: {
      // Readiness says only that a projection is failing; the reason belongs in the log.
      onError(error) {
        logger.warn({ err: error.message }, 'projection daemon failed; retrying');
      },
      onApplied() {
        for (const status of projections.status()) metrics.projectionLag.set({ projection: status.name }, status.lag);
      },
    },
  });
  if (options.background !== false) {
    relay.start();
    projections.start();
  }

  return {
    config,
    logger,
    metrics,
    storage,
    ledger,
    publisher,
    relay,
    accounts,
    wechat,
    unionidResolver,
    vault,
    projections,
    projectionContext,
    async close() {
      await projections.stop();
      await relay.stop();
      await unionidResolver.stop();
      await ledger.close();
      await publisher.close();
      await storage.close();
    },
  };
}
