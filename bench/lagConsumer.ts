// The subscriber side of the lag benchmark, in its own process: an ordered (ephemeral) JetStream
// consumer on one subject filter, delivering only messages stored after it started, that notes
// for every event when it arrived minus the `recordedAt` in its payload (the ledger's commit
// time). The coordinator then asks for the lags of the events its own database holds.
import { connect, DeliverPolicy, type ConsumerMessages, type NatsConnection } from 'nats';
import { STREAM_NAME } from '../src/bus/subjectOf.ts';
import { onParentMessage, sendToParent, type ChildMessage } from './benchChild.ts';

let connection: NatsConnection | null = null;
let messages: ConsumerMessages | null = null;
/** Event id → receive time minus recordedAt, ms. */
const lags = new Map<string, number>();
let received = 0;

onParentMessage(
  async (message: ChildMessage) => {
    if (message.type === 'start') {
      connection = await connect({ servers: message.natsUrl as string, name: 'bench-lag-consumer' });
      const consumer = await connection.jetstream().consumers.get(STREAM_NAME, { filterSubjects: message.subject as string, deliver_policy: DeliverPolicy.New });
      // Resolves once the consumer exists on the server: everything stored from now on is ours.
      messages = await consumer.consume({
        max_messages: 1000,
        callback: (m) => {
          const now = Date.now();
          const event = m.json<{ id: string; recordedAt: string }>();
          lags.set(event.id, now - Date.parse(event.recordedAt));
          received++;
        },
      });
      sendToParent({ type: 'subscribed' });
    } else if (message.type === 'lags') {
      // The lags of these events, once all have arrived or the time is up.
      const ids = message.ids as string[];
      const deadline = Date.now() + (message.timeoutMs as number);
      while (ids.some((id) => !lags.has(id)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      const found = ids.filter((id) => lags.has(id)).map((id) => lags.get(id)!);
      sendToParent({ type: 'lags', lags: found, missing: ids.length - found.length, received });
    }
  },
  async () => {
    await messages?.close();
    await connection?.drain();
  },
);
