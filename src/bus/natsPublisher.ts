import { connect, RetentionPolicy, StorageType, type JetStreamClient, type NatsConnection } from 'nats';
import type { LedgerEvent } from '../ledger/events.ts';
import type { Publisher } from './publisher.ts';
import { STREAM_NAME, SUBJECT_PREFIX, subjectOf } from './subjectOf.ts';
import { cloudEventHeaders } from './cloudEventHeaders.ts';

export type NatsPublisherOptions = {
  url: string;
  stream?: string;
  subjectPrefix?: string;
  /** JetStream's dedupe window for Nats-Msg-Id: a relay restart within it never shows a duplicate. */
  duplicateWindowMs?: number;
  ackTimeoutMs?: number;
  /**
   * The stream's max_age: messages carry personal data for consumers, so JetStream must not keep
   * them forever (erasure deletes the ledger's copy; consumers delete theirs on identity.erased).
   * An existing stream with another max_age is updated to this one.
   */
  maxAgeSeconds?: number;
};

/**
 * Publishes envelopes to JetStream with `Nats-Msg-Id` = event id. The connection reconnects
 * forever; while NATS is down `publish` reports 0 acked and the relay retries later.
 */
export async function createNatsPublisher(options: NatsPublisherOptions): Promise<Publisher> {
  const stream = options.stream ?? STREAM_NAME;
  const prefix = options.subjectPrefix ?? SUBJECT_PREFIX;
  const encoder = new TextEncoder();
  let connection: NatsConnection | null = null;
  let js: JetStreamClient | null = null;
  let streamReady = false;
  let connecting: Promise<void> | null = null;

  const ensure = async () => {
    if (!connection) {
      connecting ??= (async () => {
        const nc = await connect({
          servers: options.url,
          name: 'identity-ledger-relay',
          reconnect: true,
          maxReconnectAttempts: -1,
          reconnectTimeWait: 500,
          timeout: 2000,
        });
        connection = nc;
        js = nc.jetstream();
        void (async () => {
          for await (const status of nc.status()) {
            // A server that came back may have lost a memory stream; check it again.
            if (status.type === 'reconnect') streamReady = false;
            // While the server is gone the connection is not closed (it reconnects forever): say so.
            if (status.type === 'disconnect') streamReady = false;
          }
        })();
      })().finally(() => {
        connecting = null;
      });
      await connecting;
    }
    if (!streamReady) {
      const jsm = await connection!.jetstreamManager({ timeout: options.ackTimeoutMs ?? 5000 });
      const subjects = [`${prefix}.>`];
      const maxAge = (options.maxAgeSeconds ?? 7 * 24 * 3600) * 1_000_000_000;
      let existing: Awaited<ReturnType<typeof jsm.streams.info>> | null = null;
      try {
        existing = await jsm.streams.info(stream);
      } catch {
        await jsm.streams.add({
          name: stream,
          subjects,
          retention: RetentionPolicy.Limits,
          storage: StorageType.File,
          duplicate_window: (options.duplicateWindowMs ?? 120_000) * 1_000_000,
          max_age: maxAge,
        });
      }
      if (existing && existing.config.max_age !== maxAge) await jsm.streams.update(stream, { ...existing.config, max_age: maxAge });
      streamReady = true;
    }
  };

  return {
    name: 'nats',
    get connected() {
      return connection !== null && !connection.isClosed() && streamReady;
    },
    async publish(events: LedgerEvent[]) {
      try {
        await ensure();
      } catch (error) {
        return { acked: 0, error: error as Error };
      }
      // Pipelined: every message is sent before the first ack is awaited. One connection keeps
      // them in order on the server; a failure stops the count at the first unacked event.
      const sends = events.map((event) => {
        return js!.publish(subjectOf(event, prefix), encoder.encode(JSON.stringify(event)), {
          msgID: event.id, // sent as the Nats-Msg-Id header: JetStream drops a repeat
          headers: cloudEventHeaders(event),
          timeout: options.ackTimeoutMs ?? 5000,
        });
      });
      const results = await Promise.allSettled(sends);
      const firstFailure = results.findIndex((r) => r.status === 'rejected');
      if (firstFailure === -1) return { acked: events.length };
      const reason = (results[firstFailure] as PromiseRejectedResult).reason as Error;
      if (/stream not found|no responders/i.test(String(reason?.message))) streamReady = false;
      return { acked: firstFailure, error: reason };
    },
    async close() {
      if (connecting) await connecting.catch(() => {});
      const nc = connection as NatsConnection | null;
      if (nc) await nc.drain().catch(() => nc.close());
    },
  };
}
