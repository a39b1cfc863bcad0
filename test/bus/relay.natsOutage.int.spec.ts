import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from 'nats';
import { openTestStorage } from '../support/testDatabase.ts';
import { startThrowawayNats } from '../support/throwawayNats.ts';
import { createLedger, type Ledger } from '../../src/ledger/ledger.ts';
import { createNatsPublisher } from '../../src/bus/natsPublisher.ts';
import { createOutboxRelay, type RelayStatus } from '../../src/bus/outboxRelay.ts';
import { createLedgerConsumer } from '../../src/ledger/consumer/ledgerConsumer.ts';
import type { Publisher } from '../../src/bus/publisher.ts';
import { STREAM_NAME } from '../../src/bus/subjectOf.ts';
import { subscribed } from '../support/newEvents.ts';
import type { LedgerEvent } from '../../src/ledger/events.ts';
import { until } from '../support/until.ts';


/** Everything in the stream, in stream order (message-by-message get: works on NATS 2.9). */
async function readStream(nc: NatsConnection): Promise<{ subject: string; msgId: string | undefined; event: LedgerEvent }[]> {
  const jsm = await nc.jetstreamManager();
  const info = await jsm.streams.info(STREAM_NAME);
  const out: { subject: string; msgId: string | undefined; event: LedgerEvent }[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const m = await jsm.streams.getMessage(STREAM_NAME, { seq });
    out.push({ subject: m.subject, msgId: m.header.get('Nats-Msg-Id'), event: m.json<LedgerEvent>() });
  }
  return out;
}

type RunningRelay = { status(): RelayStatus; stop(): Promise<void> };

describe('outbox relay to JetStream', () => {
  let env: Awaited<ReturnType<typeof openTestStorage>>;
  let nats: Awaited<ReturnType<typeof startThrowawayNats>>;
  let ledger: Ledger;
  let relay: RunningRelay;
  /** A relay on a consumer of its own (as the service's, named `live`): one leads across instances. */
  const startRelay = (publisher: Publisher, retryMs: number): RunningRelay => {
    const consumer = createLedgerConsumer({ ledger, name: 'live', retryMs });
    const running = createOutboxRelay({ consumer, db: env.storage.db, publisher });
    consumer.start();
    return { status: () => running.status(), stop: () => consumer.stop() };
  };
  beforeAll(async () => {
    env = await openTestStorage('postgres');
    nats = await startThrowawayNats();
    ledger = createLedger(env.storage);
    relay = startRelay(await createNatsPublisher({ url: nats.url, ackTimeoutMs: 1000 }), 200);
  });
  afterAll(async () => {
    await relay.stop();
    await ledger.close();
    await env.cleanup();
    await nats.destroy();
  });

  it('publishes on identity.events.<type>.<appid> with Nats-Msg-Id = event id, creating the stream', async () => {
    const { events } = await ledger.append([subscribed('wxrelay', 'o-first')]);
    await until(() => relay.status().cursor >= events[0]!.position, 30_000);
    const nc = await connect({ servers: nats.url });
    const stream = await readStream(nc);
    await nc.close();
    expect(stream).toEqual([{ subject: 'identity.events.follow.subscribed.wxrelay', msgId: events[0]!.id, event: events[0] }]);
  });

  it('keeps accepting events while NATS is down and publishes each once, in order, when it returns', async () => {
    await nats.stop();
    const during = [];
    for (let i = 0; i < 50; i++) during.push(...(await ledger.append([subscribed('wxrelay', `o-outage-${i}`)])).events);
    expect(relay.status().cursor).toBeLessThan(during[0]!.position);
    await nats.start();
    const head = await ledger.head();
    await until(() => relay.status().cursor === head, 30_000);

    const nc = await connect({ servers: nats.url });
    const stream = await readStream(nc);
    await nc.close();
    const ids = stream.map((m) => m.event.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(stream.map((m) => m.event.position)).toEqual(Array.from({ length: head }, (_, i) => i + 1));
    expect(stream.every((m) => m.msgId === m.event.id)).toBe(true);
  });

  it('a second relay for the same destination stays passive while the first leads', async () => {
    const second = startRelay(await createNatsPublisher({ url: nats.url }), 100);
    // A passive relay reports the leader's cursor once it has tried for the lock and lost.
    await until(() => second.status().cursor === relay.status().cursor, 5000, 'the second relay to try for the lock');
    expect(relay.status().leader).toBe(true);
    expect(second.status().leader).toBe(false);
    await second.stop();
  });

  it('a relay restart from an old cursor does not show a consumer the same event id twice', async () => {
    await relay.stop();
    await env.storage.db.updateTable('outbox_cursors').set({ position: 0 }).execute();
    relay = startRelay(await createNatsPublisher({ url: nats.url }), 200);
    const head = await ledger.head();
    await until(() => relay.status().cursor === head, 30_000);
    const nc = await connect({ servers: nats.url });
    const stream = await readStream(nc);
    await nc.close();
    expect(stream.length).toBe(head);
  });
});
