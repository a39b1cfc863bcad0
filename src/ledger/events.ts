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
  'authorization.revoked': z.object({ appid, openid }),
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
      /** Defaults to the identity stream of the event's subject (see `streamOf`). */
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
    }
  : never;

/** The appid an event is about: the subject's account; for a conversion, the old (source) account. */
export function appidOf(type: EventType, data: Record<string, unknown>): string {
  const value = type === 'openid.converted' || type === 'openid.conversion_failed' ? data.fromAppid : data.appid;
  return String(value);
}

export function openidOf(type: EventType, data: Record<string, unknown>): string | null {
  if (type === 'openid.converted' || type === 'openid.conversion_failed') return String(data.fromOpenid);
  return typeof data.openid === 'string' ? data.openid : null;
}

export function unionidOf(data: Record<string, unknown>): string | null {
  return typeof data.unionid === 'string' ? data.unionid : null;
}

/** One stream per (appid, openid): stream versions order a user's own history. */
export function streamOf(type: EventType, data: Record<string, unknown>): string {
  const openid = openidOf(type, data);
  const appid = appidOf(type, data);
  return openid ? `user-${appid}-${openid}` : `account-${appid}`;
}

export function parseEventData<T extends EventType>(type: T, data: unknown): EventDataOf<T> {
  return EventData[type].parse(data) as EventDataOf<T>;
}

export function isEventType(value: string): value is EventType {
  return Object.hasOwn(EventData, value);
}
