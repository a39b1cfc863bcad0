import { z } from '@hono/zod-openapi';
import { EVENT_TYPES } from '../ledger/events.ts';

/** Response and request shapes of the HTTP contract (shared/DESIGN.md §4), for validation and OpenAPI. */

export const ErrorBodySchema = z
  .object({ error: z.object({ code: z.string().openapi({ example: 'invalid_signature' }), message: z.string() }) })
  .openapi('Error');

export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((status) => [status, { description: ERROR_DESCRIPTIONS[status] ?? 'error', content: { 'application/json': { schema: ErrorBodySchema } } }]),
  );

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'invalid request (stable error code in the body)',
  401: 'missing or unknown API key, or an invalid WeChat code (40029)',
  403: 'the API key lacks the scope, or is not allowed for this appid',
  404: 'not found',
  409: 'conflict (e.g. idempotency_conflict: a one-time code re-sent with a different request)',
  413: 'body too large',
  422: 'the request is valid but too broad to answer (as_of_too_broad)',
  429: 'WeChat rate limit or quota (45011, 45009)',
  502: 'WeChat failed',
  503: 'the ledger is unavailable',
};

export const EnvelopeSchema = z
  .object({
    id: z.string().uuid(),
    position: z.number().int(),
    type: z.enum(EVENT_TYPES as [string, ...string[]]),
    stream: z.string(),
    streamVersion: z.number().int(),
    data: z.record(z.string(), z.unknown()),
    meta: z.object({
      source: z.string(),
      correlationId: z.string().optional(),
      causationId: z.string().optional(),
      idempotencyKey: z.string(),
      requestDigest: z.string().optional(),
    }),
    occurredAt: z.string(),
    recordedAt: z.string(),
    hash: z.string(),
    prevHash: z.string(),
    erased: z.literal(true).optional().openapi({ description: "present when the subject was erased: data's personal fields are null" }),
  })
  .openapi('Event');

export const LoginAnswerSchema = z
  .object({ openid: z.string(), unionid: z.string().nullable() })
  .openapi('LoginAnswer');

export const AppidParam = z.object({ appid: z.string().min(1).max(64).openapi({ param: { name: 'appid', in: 'path' }, example: 'wxdemo0000000mp01' }) });

const AccountKindSchema = z.enum(['oa', 'mp', 'web']).nullable();
const AccountRefSchema = z.object({ appid: z.string(), openid: z.string() });

export const FollowSchema = z
  .object({
    subscribed: z.boolean(),
    subscribedAt: z.string().nullable(),
    unsubscribedAt: z.string().nullable(),
    scene: z.string().nullable(),
    source: z.string(),
  })
  .openapi('Follow');

export const UserSchema = z
  .object({
    appid: z.string(),
    openid: z.string(),
    kind: AccountKindSchema,
    unionid: z.string().nullable(),
    follow: FollowSchema.nullable(),
    linked: z.array(z.object({ appid: z.string(), openid: z.string(), kind: AccountKindSchema })),
    convertedTo: AccountRefSchema.nullable(),
    convertedFrom: AccountRefSchema.nullable(),
  })
  .openapi('User');

export const UnionidSchema = z
  .object({
    unionid: z.string(),
    accounts: z.array(z.object({ appid: z.string(), openid: z.string(), kind: AccountKindSchema, follow: FollowSchema.nullable() })),
  })
  .openapi('Unionid');

export const FollowStatusSchema = z.object({ subscribed: z.boolean(), openid: z.string().nullable() }).openapi('FollowStatus');
