import {
  accountStream,
  appidOf,
  openidOf,
  PERSONAL_FIELDS,
  relatedOf,
  STARTER_TYPES,
  unionidOf,
  userStream,
  type EventMeta,
  type NewEvent,
} from './events.ts';
import { canonicalJson, eventDigest } from './hashChain.ts';
import type { Pseudonyms } from './keys/pseudonyms.ts';
import type { SubjectKeys } from './keys/subjectKeys.ts';
import { seal } from './keys/sealing.ts';
import { InvalidEventError } from './ledgerErrors.ts';

/**
 * An event in the form the ledger stores it, with everything that does not depend on the
 * ledger's head worked out before the batch is sent: pseudonyms, the sealed personal fields,
 * the stored data and meta, the digest the chain links. Position, stream version and hashes are
 * assigned by `ledger_append` under the lock.
 */
export type PreparedEvent = {
  id: string;
  type: NewEvent['type'];
  stream: string;
  appid: string;
  subject: string | null;
  subjectKey: string | null;
  related: string | null;
  unionid: string | null;
  fingerprint: string;
  /** The keyed digest stored as the idempotency key (and as `meta.idempotencyKey`). */
  idempotencyKey: string;
  storedData: string;
  storedMeta: string;
  occurredAt: string;
  recordedAt: string;
  digest: string;
  starter: boolean;
  /** Set while the subject key is not known to be stored: the append stores it with the event. */
  keyKid: string | null;
  keyWrapped: Buffer | null;
  /** What the caller gets back: the plaintext data and the meta as stored. */
  data: Record<string, unknown>;
  meta: EventMeta;
};

export type PrepareContext = {
  pseudonyms: Pseudonyms;
  subjectKeys: SubjectKeys;
  /** False only in the benchmark that measures what sealing costs: personal fields stay clear. */
  sealing: boolean;
  /** The event's id (`randomUUID` in the ledger; a fixed sequence in tests). */
  newId: () => string;
};

/**
 * A pure decision but for the sealing's random IV and a new subject key: the id comes from
 * `ctx.newId`, the time from the caller (one `recordedAt` for a whole batch). Throws
 * InvalidEventError for content that has no canonical form (lone surrogates) or no valid time.
 * `event` must already be validated (ledger.ts).
 */
export function prepareEvent(event: NewEvent, ctx: PrepareContext, recordedAt: string): PreparedEvent {
  try {
    const data = event.data as Record<string, unknown>;
    const { type } = event;
    const id = ctx.newId();
    const appid = appidOf(type, data);
    const openid = openidOf(type, data);
    const subject = type === 'identity.erased' ? String(data.subject) : openid === null ? null : ctx.pseudonyms.subject(appid, openid);
    const relatedIdentity = relatedOf(type, data);
    const related = relatedIdentity ? ctx.pseudonyms.subject(relatedIdentity.appid, relatedIdentity.openid) : null;
    const unionidValue = unionidOf(data);
    const unionid = unionidValue === null ? null : ctx.pseudonyms.unionid(unionidValue);
    const fingerprint = ctx.pseudonyms.fingerprint(type, canonicalJson(data));
    const idempotencyKey = ctx.pseudonyms.idempotencyKey(event.meta.idempotencyKey);
    const meta = { ...event.meta, idempotencyKey } as EventMeta;

    const personal: Record<string, unknown> = {};
    const clear: Record<string, unknown> = {};
    const fields = PERSONAL_FIELDS[type] as readonly string[];
    for (const [name, value] of Object.entries(data)) (fields.includes(name) ? personal : clear)[name] = value;
    let subjectKey: string | null = null;
    let keyKid: string | null = null;
    let keyWrapped: Buffer | null = null;
    let stored: Record<string, unknown> = data;
    if (ctx.sealing && subject !== null && Object.keys(personal).length > 0) {
      const key = ctx.subjectKeys.forAppend(subject);
      subjectKey = key.id;
      if (key.wrapped) {
        keyKid = key.kid;
        keyWrapped = key.wrapped;
      }
      stored = { ...clear, sealed: seal(key.key, id, canonicalJson(personal)) };
    }
    const occurredAt = event.occurredAt === undefined ? recordedAt : toIso(event.occurredAt);
    const stream = event.stream ?? (subject === null ? accountStream(appid) : userStream(appid, subject));
    const storedData = canonicalJson(stored);
    const storedMeta = canonicalJson(meta);
    const digest = eventDigest({ id, type, stream, appid, subject, subjectKey, related, unionid, fingerprint, data: storedData, meta: storedMeta, occurredAt, recordedAt });
    return {
      id, type, stream, appid, subject, subjectKey, related, unionid, fingerprint, idempotencyKey, storedData, storedMeta,
      occurredAt, recordedAt, digest, starter: STARTER_TYPES.has(type), keyKid, keyWrapped, data, meta,
    };
  } catch (error) {
    throw new InvalidEventError(`${event.type}: ${(error as Error).message}`, { cause: error });
  }
}

function toIso(value: Date | string): string {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) throw new RangeError(`not a time: ${String(value)}`);
  return date.toISOString();
}
