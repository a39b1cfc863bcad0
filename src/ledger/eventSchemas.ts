import { z } from 'zod';
import { EVENT_TYPES, EventData, EventMeta, PERSONAL_FIELDS, type EventType, type LedgerEvent } from './events.ts';

/** A JSON Schema document (draft-07). */
export type JsonSchema = Record<string, unknown>;

const hash = z.string().regex(/^[0-9a-f]{64}$/).describe('sha256, hex');

/**
 * The envelope of one event type as stored, read and published (DESIGN.md §3), `data` typed by
 * the type's schema in events.ts. Mirrors `LedgerEvent`; the key check below fails the build
 * when the two part.
 */
export function envelopeSchema<T extends EventType>(type: T) {
  return z.object({
    id: z.uuid().describe('event id; also the NATS message id (Nats-Msg-Id, ce-id)'),
    position: z.number().int().positive().describe('global, gapless, commit-ordered'),
    type: z.literal(type),
    stream: z.string().min(1).describe("the identity stream the event belongs to (one per appid and openid, or per account)"),
    streamVersion: z.number().int().positive(),
    data: publishedData(type),
    meta: EventMeta.extend({
      idempotencyKey: z.string().describe('a keyed digest of the idempotency key (keys name openids and codes, so they are not kept)'),
    }),
    occurredAt: z.iso.datetime().describe("when it happened (WeChat's CreateTime for pushes): follow state is decided by this"),
    recordedAt: z.iso.datetime().describe('when the ledger committed it'),
    hash: hash.describe('sha256(prevHash ":" position ":" streamVersion ":" digest of the stored event), hex (src/ledger/hashChain.ts)'),
    prevHash: hash.describe("the previous event's hash (64 zeros for position 1)"),
    erased: z.literal(true).optional().describe("present when the event's subject was erased: its personal fields are null (act on identity.erased)"),
  });
}

/** The type's data; its personal fields may be null: an erased subject's events are redacted. */
function publishedData(type: EventType) {
  const personal = new Set<string>(PERSONAL_FIELDS[type]);
  const shape = EventData[type].shape as Record<string, z.ZodType>;
  return z.object(Object.fromEntries(Object.entries(shape).map(([name, field]) => [name, personal.has(name) ? field.nullable() : field])));
}

type EnvelopeKeys = keyof z.infer<ReturnType<typeof envelopeSchema<'follow.subscribed'>>>;
type SameKeys<A, B> = [Exclude<A, B>, Exclude<B, A>] extends [never, never] ? true : never;
const envelopeMatchesLedgerEvent: SameKeys<EnvelopeKeys, keyof LedgerEvent> = true;
void envelopeMatchesLedgerEvent;

/**
 * JSON Schema (draft-07) of the envelope of every event type, generated from the zod schemas at
 * run time, so a type added to `EventData` is here without further work. Objects do not forbid
 * unknown properties: fields are added to events, never changed, and a consumer validating with
 * these schemas must keep working when one is.
 */
export function eventJsonSchemas(): Record<EventType, JsonSchema> {
  return Object.fromEntries(EVENT_TYPES.map((type) => [type, eventJsonSchema(type)])) as Record<EventType, JsonSchema>;
}

export function eventJsonSchema(type: EventType): JsonSchema {
  const schema = z.toJSONSchema(envelopeSchema(type), { target: 'draft-07', io: 'input' }) as JsonSchema;
  return {
    $schema: schema.$schema,
    title: type,
    description: `The envelope of a \`${type}\` event, as stored in the ledger and published on NATS (identity.events.${type}.<appid>).`,
    ...Object.fromEntries(Object.entries(schema).filter(([key]) => key !== '$schema')),
  };
}
