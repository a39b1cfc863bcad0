import { z } from 'zod';

/**
 * The event contract (shared/DESIGN.md §3). Add fields, never change their meaning; a breaking
 * change is a new type name (`….v2`) with an upcaster for the old one.
 */

export const EventSource = z.enum([
  'webhook',
  'login',
  'oauth',
  'reconciliation',
  'conversion',
  'backfill',
  'api',
]);
export type EventSource = z.infer<typeof EventSource>;

// PostgreSQL text and jsonb cannot hold U+0000: refuse it here (400), not at INSERT (503).
const text = () => z.string().regex(/^[^\u0000]*$/, 'must not contain U+0000');
const appid = text().min(1).max(64);
const openid = text().min(1).max(128);
const unionid = text().min(1).max(128);

export const ErasureReason = z.enum(['unsubscribe', 'revoke', 'cancellation', 'request']);
export type ErasureReason = z.infer<typeof ErasureReason>;

export const UnionidVia = z.enum(['code2session', 'decrypt', 'user_info', 'batchget', 'oauth', 'report']);
export type UnionidVia = z.infer<typeof UnionidVia>;

export const EventData = {
  'follow.subscribed': z.object({
    appid,
    openid,
    scene: text().optional(),
    eventKey: text().optional(),
    ticket: text().optional(),
  }),
  'follow.unsubscribed': z.object({ appid, openid }),
  'login.recorded': z.object({ appid, openid, unionid: unionid.optional() }),
  'oauth.authorized': z.object({ appid, openid, scope: text(), unionid: unionid.optional() }),
  'unionid.resolved': z.object({ appid, openid, unionid, via: UnionidVia }),
  'openid.converted': z.object({ fromAppid: appid, fromOpenid: openid, toAppid: appid, toOpenid: openid }),
  'openid.conversion_failed': z.object({ fromAppid: appid, fromOpenid: openid, toAppid: appid, reason: text() }),
  'reconciliation.completed': z.object({
    appid,
    followers: z.number().int().nonnegative(),
    added: z.number().int().nonnegative(),
    removed: z.number().int().nonnegative(),
    startedAt: z.string(),
  }),
  'authorization.revoked': z.object({ appid, openid, revokeInfo: text().max(64).optional() }),
  // WeChat's user_authorization_cancellation: the user deregistered (注销); a deletion duty.
  'authorization.cancelled': z.object({ appid, openid }),
  // WeChat's user_info_modified: WeChat cleaned up risky profile data; this ledger keeps none.
  'profile.modified': z.object({ appid, openid }),
  /**
   * A data subject was forgotten: its key is deleted, so every earlier event of its stream reads
   * as redacted. Carries no personal data — `subject` is the pseudonym and `stream` of the event
   * names the erased stream, which is what consumers that kept copies delete by.
   */
  'identity.erased': z.object({
    appid,
    subject: text().min(1).max(128),
    scope: z.enum(['account', 'unionid']),
    reason: ErasureReason,
    erasureId: z.string().uuid(),
    /** How many of the subject's events are now redacted. */
    events: z.number().int().nonnegative(),
  }),
} as const;

export type EventType = keyof typeof EventData;
export const EVENT_TYPES = Object.keys(EventData) as EventType[];
export type EventDataOf<T extends EventType> = z.infer<(typeof EventData)[T]>;

export const EventMeta = z.object({
  source: EventSource,
  correlationId: text().optional(),
  causationId: text().optional(),
  idempotencyKey: text().min(1).max(512),
  /** sha256 of the whole request that spent a one-time WeChat code: a replay must match it. */
  requestDigest: z.string().regex(/^[0-9a-f]{64}$/).optional(),
});
export type EventMeta = z.infer<typeof EventMeta>;

/** What a command hands to `append`: the ledger assigns id, position, versions, times and hashes. */
export type NewEvent<T extends EventType = EventType> = T extends EventType
  ? {
      type: T;
      data: EventDataOf<T>;
      /** Defaults to the identity stream of the event's subject (`user-<appid>-<pseudonym>`). */
      stream?: string;
      meta: EventMeta;
      /** When the fact happened (WeChat CreateTime, snapshot start); defaults to now. */
      occurredAt?: Date | string;
    }
  : never;

/** The envelope as stored, read and published (DESIGN.md §3). */
export type LedgerEvent<T extends EventType = EventType> = T extends EventType
  ? {
      id: string;
      position: number;
      type: T;
      stream: string;
      streamVersion: number;
      data: EventDataOf<T>;
      meta: EventMeta;
      occurredAt: string;
      recordedAt: string;
      hash: string;
      prevHash: string;
      /** Present (true) when the subject was erased: the personal fields of `data` are null. */
      erased?: true;
    }
  : never;

/**
 * The fields of each type that are personal data: sealed under the subject's key in the ledger,
 * null once the subject is erased. Everything else (appids, times, reasons, counts) stays clear.
 * A new field that identifies a person must be listed here.
 */
export const PERSONAL_FIELDS: { readonly [T in EventType]: readonly (keyof EventDataOf<T> & string)[] } = {
  'follow.subscribed': ['openid', 'scene', 'eventKey', 'ticket'],
  'follow.unsubscribed': ['openid'],
  'login.recorded': ['openid', 'unionid'],
  'oauth.authorized': ['openid', 'unionid'],
  'unionid.resolved': ['openid', 'unionid'],
  'openid.converted': ['fromOpenid', 'toOpenid'],
  'openid.conversion_failed': ['fromOpenid'],
  'reconciliation.completed': [],
  'authorization.revoked': ['openid'],
  'authorization.cancelled': ['openid'],
  'profile.modified': ['openid'],
  'identity.erased': [],
};

/**
 * Events that begin a relationship with a person. After an erasure only these, and only when
 * they happened after it, start a new subject; any other late fact about an erased subject is
 * dropped (see DESIGN of erasure in README: "Late facts after an erasure").
 */
export const STARTER_TYPES: ReadonlySet<EventType> = new Set(['follow.subscribed', 'login.recorded', 'oauth.authorized']);

/** The appid an event is about: the subject's account; for a conversion, the old (source) account. */
export function appidOf(type: EventType, data: Record<string, unknown>): string {
  const value = type === 'openid.converted' || type === 'openid.conversion_failed' ? data.fromAppid : data.appid;
  return String(value);
}

/** The openid of the event's data subject (a conversion's is the old one), null for events about no one. */
export function openidOf(type: EventType, data: Record<string, unknown>): string | null {
  if (type === 'openid.converted' || type === 'openid.conversion_failed') return typeof data.fromOpenid === 'string' ? data.fromOpenid : null;
  return typeof data.openid === 'string' ? data.openid : null;
}

/** The second identity an event names: the new side of a conversion. */
export function relatedOf(type: EventType, data: Record<string, unknown>): { appid: string; openid: string } | null {
  if (type !== 'openid.converted' || typeof data.toOpenid !== 'string') return null;
  return { appid: String(data.toAppid), openid: data.toOpenid };
}

export function unionidOf(data: Record<string, unknown>): string | null {
  return typeof data.unionid === 'string' ? data.unionid : null;
}

/** One stream per data subject (appid + pseudonym): stream versions order a user's own history. */
export function userStream(appid: string, subject: string): string {
  return `user-${appid}-${subject}`;
}

export function accountStream(appid: string): string {
  return `account-${appid}`;
}

export function isEventType(value: string): value is EventType {
  return Object.hasOwn(EventData, value);
}
