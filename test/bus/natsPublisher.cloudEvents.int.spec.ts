import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { connect } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNatsPublisher } from '../../src/bus/natsPublisher.ts';
import { STREAM_NAME } from '../../src/bus/subjectOf.ts';
import type { Publisher } from '../../src/bus/publisher.ts';
import type { LedgerEvent } from '../../src/ledger/events.ts';
import { openTestLedger, type TestLedger } from '../support/testDatabase.ts';
import { startThrowawayNats } from '../support/throwawayNats.ts';
import { oneOfEveryType } from '../support/everyEventType.ts';
import { REPO_ROOT } from '../support/serviceProcess.ts';

/**
 * What a downstream consumer gets: real envelopes (appended to a real ledger and read back)
 * published to a real JetStream, read back from the stream, checked against the checked-in
 * schemas/events/<type>.json and for their CloudEvents headers.
 */
describe('events on NATS, as a consumer reads them', () => {
  let env: TestLedger;
  let nats: Awaited<ReturnType<typeof startThrowawayNats>>;
  let publisher: Publisher;
  let events: LedgerEvent[];
  beforeAll(async () => {
    env = await openTestLedger('postgres');
    nats = await startThrowawayNats();
    await env.ledger.append(oneOfEveryType('nats-ce'));
    events = await env.ledger.read({ after: 0, limit: 100 });
    publisher = await createNatsPublisher({ url: nats.url, ackTimeoutMs: 2000 });
    expect(await publisher.publish(events)).toEqual({ acked: events.length });
  });
  afterAll(async () => {
    await publisher.close();
    await env.cleanup();
    await nats.destroy();
  });

  it('carries each event as a CloudEvent in binary mode, body = envelope valid against its JSON Schema', async () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats.default(ajv);
    const nc = await connect({ servers: nats.url });
    try {
      const jsm = await nc.jetstreamManager();
      for (const [index, event] of events.entries()) {
        const message = await jsm.streams.getMessage(STREAM_NAME, { seq: index + 1 });
        expect(message.subject).toBe(`identity.events.${event.type}.${'fromAppid' in event.data ? event.data.fromAppid : event.data.appid}`);
        const header = (name: string) => message.header.get(name);
        expect({
          'Nats-Msg-Id': header('Nats-Msg-Id'),
          'ce-specversion': header('ce-specversion'),
          'ce-id': header('ce-id'),
          'ce-type': header('ce-type'),
          'ce-time': header('ce-time'),
          'ce-datacontenttype': header('ce-datacontenttype'),
        }).toEqual({
          'Nats-Msg-Id': event.id,
          'ce-specversion': '1.0',
          'ce-id': event.id,
          'ce-type': event.type,
          'ce-time': event.occurredAt,
          'ce-datacontenttype': 'application/json',
        });
        expect(header('ce-source')).toMatch(/^\/identity-ledger\/wx/);
        // No Content-Type application/cloudevents: that would announce structured mode.
        expect(header('content-type')).toBe('');

        const body = message.json<unknown>();
        const schema = JSON.parse(readFileSync(join(REPO_ROOT, 'schemas/events', `${event.type}.json`), 'utf8'));
        const validate = ajv.compile(schema);
        expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
        // …and the schema is not vacuous: the same envelope under another type name fails.
        expect(validate({ ...(body as object), type: 'something.else' })).toBe(false);
      }
    } finally {
      await nc.close();
    }
  });
});
