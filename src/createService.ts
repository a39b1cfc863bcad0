import { messageModeOf, type Account, type Config } from './config/schema.ts';
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
import { createUnionidReactor, UNIONID_REACTOR, type UnionidReactor } from './commands/unionidReactor.ts';
import { createErasureReactor } from './erasure/erasureReactor.ts';
import { createLedgerConsumer, type LedgerConsumer } from './ledger/consumer/ledgerConsumer.ts';
import { CursorCheckpoint } from './ledger/consumer/cursorCheckpoint.ts';
import { createSessionKeyVault, type SessionKeyVault } from './commands/sessionKeyVault.ts';
import { createProjectionRunner, type ProjectionRunner } from '../projections/projectionRunner.ts';
import type { ProjectionContext } from '../projections/projection.ts';

export type ServiceOptions = {
  logger?: Logger;
  /**
   * Run the ledger consumers (relay, projections, unionid and erasure reactors) and, under
   * `startServer`, the job runner. Default: unless LEDGER_ROLE=api; false for one-shot CLI commands.
   */
  background?: boolean;
  /** Look up the unionid after each subscribe (the unionid reactor); false where pushes are appended by hand as history. */
  unionidLookups?: boolean;
};

export type Service = {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  storage: Storage;
  ledger: Ledger;
  publisher: Publisher;
  /** Follows the ledger for the outbox relay, the live projections and the unionid reactor. */
  consumer: LedgerConsumer;
  relay: OutboxRelay;
  accounts: Map<string, Account>;
  wechat(appid: string): WechatClient | undefined;
  /** Null when `unionidLookups` is false. */
  unionidReactor: UnionidReactor | null;
  /** Erases the people whose withdrawal pushes the account's policy says to erase. */
  erasureReactor: { idle(): Promise<void> };
  vault: SessionKeyVault;
  projections: ProjectionRunner;
  projectionContext: ProjectionContext;
  /** Whether this instance runs the background work (ServiceOptions.background, resolved). */
  background: boolean;
  close(): Promise<void>;
};

/**
 * Wires one service instance: storage (PostgreSQL or PGlite) migrated to the latest schema, the
 * ledger, the consumer that follows it (the outbox relay to the bus — JetStream or in-process —,
 * the live projections, the unionid reactor) and the projections' rebuild, WeChat clients sharing
 * one token store. Everything stateful lives in the database, so any number
 * of instances may run against one PostgreSQL.
 */
export async function createService(config: Config, options: ServiceOptions = {}): Promise<Service> {
  const logger = options.logger ?? createLogger();
  const background = options.background ?? config.role !== 'api';
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
  // One consumer follows the ledger for all three processors: one leader lock, one read per page.
  const consumer = createLedgerConsumer({
    ledger,
    name: 'live',
    batchSize: 2000,
    onError(error, processor) {
      logger.warn({ err: error.message, processor, publisher: publisher.name }, `${processor ?? 'ledger consumer'}: failed, will retry`);
    },
  });
  const relay = createOutboxRelay({
    consumer,
    db: storage.db,
    publisher,
    onPublished(_count, lagMs) {
      metrics.relayPublishLag.observe(lagMs / 1000);
    },
  });
  await instrumentService(metrics, { ledger, storage, relay, consumer, runsProcessors: background });

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
  const vault = createSessionKeyVault(storage.db, config.sessionKeySecret);
  const projectionContext: ProjectionContext = { kindOf: (appid) => accounts.get(appid)?.kind };
  const projections = createProjectionRunner({
    ledger,
    ctx: projectionContext,
    consumer,
    // Readiness says only that a projection is failing; the reason belongs in the log.
    onError(error) {
      logger.warn({ err: error.message }, 'projection daemon failed; retrying');
    },
    onApplied() {
      for (const status of projections.status()) metrics.projectionLag.set({ projection: status.name }, status.lag);
    },
  });
  const unionidReactor =
    options.unionidLookups === false ? null : createUnionidReactor({ consumer, ledger, clientOf: wechat, kindOf: projectionContext.kindOf, logger });
  // Before any push is taken: a first start reacts to subscribes from now on, not to the history.
  if (unionidReactor) await CursorCheckpoint.load(storage.db, UNIONID_REACTOR, () => ledger.head());
  const erasureReactor = createErasureReactor({
    consumer,
    ledger,
    policyOf: (appid) => accounts.get(appid)?.erasure,
    registerRetentionDays: config.erasure.registerRetentionDays,
    confirmUnsubscribe(appid, openid) {
      const account = accounts.get(appid);
      if (!account || messageModeOf(account) !== 'plain') return undefined;
      const client = wechat(appid);
      return client ? client.user.userInfo(openid).then((info) => !info.subscribed) : undefined;
    },
    onErased(erasure) {
      metrics.erasures.inc({ appid: erasure.appid ?? 'unionid', reason: erasure.reason });
    },
    onUnconfirmed(appid, why) {
      metrics.erasuresUnconfirmed.inc({ appid, why });
      logger.warn({ appid, why }, `an unsubscribe push to a plain-mode account is not confirmed by WeChat (user/info: ${why === 'still_following' ? 'still following' : why}): not erased`);
    },
  });
  if (background) {
    consumer.start();
    projections.start();
  }

  return {
    config,
    logger,
    metrics,
    storage,
    ledger,
    publisher,
    consumer,
    relay,
    accounts,
    wechat,
    unionidReactor,
    erasureReactor,
    vault,
    projections,
    projectionContext,
    background,
    async close() {
      await projections.stop();
      await consumer.stop();
      await ledger.close();
      await publisher.close();
      await storage.close();
    },
  };
}
