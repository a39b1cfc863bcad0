import { EVENT_TYPES, type EventType } from '../ledger/events.ts';
import { eventJsonSchema, type JsonSchema } from '../ledger/eventSchemas.ts';
import { CLOUDEVENTS_SPEC_VERSION } from './cloudEventHeaders.ts';
import { STREAM_NAME, SUBJECT_PREFIX } from './subjectOf.ts';

/** Headers every message carries (natsPublisher.ts, cloudEventHeaders.ts). */
const HEADERS: JsonSchema = {
  type: 'object',
  properties: {
    'Nats-Msg-Id': { type: 'string', format: 'uuid', description: 'the event id: JetStream drops a repeat within the duplicate window (2 minutes)' },
    'ce-specversion': { type: 'string', const: CLOUDEVENTS_SPEC_VERSION },
    'ce-id': { type: 'string', format: 'uuid', description: 'the event id' },
    'ce-source': { type: 'string', description: '/identity-ledger/<appid> (percent-encoded)' },
    'ce-type': { type: 'string', description: 'the event type, e.g. follow.subscribed' },
    'ce-time': { type: 'string', format: 'date-time', description: 'occurredAt' },
    'ce-datacontenttype': { type: 'string', const: 'application/json' },
  },
  required: ['Nats-Msg-Id', 'ce-specversion', 'ce-id', 'ce-source', 'ce-type', 'ce-time'],
};

/**
 * The AsyncAPI 3.0 document of what the outbox relay publishes: one channel per event type on
 * `identity.events.<type>.{appid}`, the envelope as payload. Built from `EventData` at run time
 * (served at /asyncapi.json; `npm run schemas` writes the checked-in copy).
 */
export function asyncapiDocument(): Record<string, unknown> {
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = { headers: HEADERS };
  for (const type of EVENT_TYPES) {
    const { $schema: _draft, ...payload } = eventJsonSchema(type);
    schemas[type] = payload;
    messages[type] = {
      name: type,
      title: type,
      contentType: 'application/json',
      headers: { $ref: '#/components/schemas/headers' },
      payload: { $ref: `#/components/schemas/${type}` },
    };
    channels[type] = {
      address: `${SUBJECT_PREFIX}.${type}.{appid}`,
      description: `\`${type}\` events, in ledger position order, in JetStream stream ${STREAM_NAME}.`,
      parameters: { appid: { description: appidDescription(type) } },
      messages: { [type]: { $ref: `#/components/messages/${type}` } },
    };
    operations[`publish.${type}`] = {
      action: 'send',
      channel: { $ref: `#/channels/${type}` },
      messages: [{ $ref: `#/channels/${type}/messages/${type}` }],
    };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'WeChat identity ledger events',
      version: '1',
      description:
        `Every event the ledger commits is published once it is durable, in position order, at least once, to the JetStream stream ${STREAM_NAME} ` +
        `(subjects ${SUBJECT_PREFIX}.>). A repeat carries the same Nats-Msg-Id, which JetStream drops within its duplicate window; a consumer ` +
        'that must be exact dedupes by the envelope id or keeps the last position it handled. The body is the envelope; the ce- headers make each ' +
        'message a CloudEvent in binary content mode. Fields are added to events, never changed: ignore the ones you do not know. ' +
        'A breaking change is a new type name (….v2).',
    },
    defaultContentType: 'application/json',
    servers: {
      nats: { host: 'localhost:4222', protocol: 'nats', description: 'The deployment\'s NATS_URL (JetStream, NATS 2.9+).' },
    },
    channels,
    operations,
    components: { schemas, messages },
  };
}

function appidDescription(type: EventType): string {
  const which = type === 'openid.converted' || type === 'openid.conversion_failed' ? "the old account's appid (fromAppid)" : "the event's appid";
  return `${which}, with '.', '*', '>' and whitespace replaced by '_'`;
}
