import { z } from '@hono/zod-openapi';
import { EVENT_TYPES, type EventType } from '../ledger/events.ts';
import { envelopeSchema } from '../ledger/eventSchemas.ts';
import { ERROR_CATALOG, type ErrorCode } from './errorCatalog.ts';
import { EXAMPLE, exampleEvent } from './openapiExamples.ts';

/** Response and request shapes of the HTTP contract (shared/DESIGN.md §4), for validation and OpenAPI. */

export const ErrorBodySchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ description: 'stable: branch on this, never on the message', example: 'forbidden' }),
      message: z.string().openapi({ description: 'for people; English; may change', example: ERROR_CATALOG.forbidden.example }),
    }),
  })
  .openapi('Error', { description: 'Every error: a stable `code` and a message for people.' });

/**
 * What a route can answer besides success: per status, each code it can return and, when it
 * helps, what the code means on that route (null: the catalog's meaning). Several specs merge,
 * so routes share fragments (an API key's refusals, a body's limits).
 */
export type ErrorSpec = { [status: number]: { [C in ErrorCode]?: string | null } };

/** The generic codes of a status, for callers that still pass bare statuses. */
const CODES_OF_STATUS: Record<number, ErrorCode[]> = {
  400: ['invalid_request'],
  401: ['unauthorized'],
  403: ['forbidden'],
  404: ['not_found'],
  409: ['idempotency_conflict'],
  413: ['payload_too_large'],
  415: ['invalid_request'],
  422: ['as_of_too_broad'],
  429: ['wechat_rate_limited', 'wechat_quota_exhausted'],
  500: ['internal_error'],
  502: ['wechat_upstream_failure'],
  503: ['ledger_unavailable'],
};

/**
 * OpenAPI responses for the error statuses of a route: per status, the error body with `code`
 * restricted to the codes listed (an enum), a description naming each and what it means here,
 * and one example body per code. A bare status stands for that status's generic codes.
 */
export function errorResponses(...specs: (ErrorSpec | number)[]) {
  const merged = new Map<number, Map<ErrorCode, string | null>>();
  for (const spec of specs) {
    const entries: [string | number, ErrorSpec[number]][] =
      typeof spec === 'number' ? [[spec, Object.fromEntries((CODES_OF_STATUS[spec] ?? ['internal_error']).map((code) => [code, null]))]] : Object.entries(spec);
    for (const [status, codes] of entries) {
      const forStatus = merged.get(Number(status)) ?? new Map<ErrorCode, string | null>();
      for (const [code, note] of Object.entries(codes) as [ErrorCode, string | null][]) {
        // A later, more specific note wins over the generic one.
        if (note !== null || !forStatus.has(code)) forStatus.set(code, note);
      }
      merged.set(Number(status), forStatus);
    }
  }
  return Object.fromEntries([...merged].sort(([a], [b]) => a - b).map(([status, codes]) => [status, errorResponse([...codes])]));
}

function errorResponse(codes: [ErrorCode, string | null][]) {
  const names = codes.map(([code]) => code) as [ErrorCode, ...ErrorCode[]];
  const [first] = names;
  const schema = z.object({
    error: z.object({
      code: z.enum(names).openapi({ description: 'stable: branch on this, never on the message', example: first }),
      message: z.string().openapi({ description: 'for people; English; may change', example: ERROR_CATALOG[first].example }),
    }),
  });
  const description = codes.map(([code, note]) => `\`${code}\`: ${note ?? ERROR_CATALOG[code].meaning}`).join('; ');
  const examples = Object.fromEntries(
    codes.map(([code, note]) => [code, { summary: note ?? ERROR_CATALOG[code].meaning, value: { error: { code, message: ERROR_CATALOG[code].example } } }]),
  );
  return { description, content: { 'application/json': { schema, examples } } };
}

/** Fragments most routes share. */
export const ERRORS = {
  /** Every route that goes through the app's error handler. */
  /** Every route: a bug; and, on the demo configuration only, a request from a web page (demoGuard.ts). */
  internal: { 403: { forbidden_host: null }, 500: { internal_error: null } },
  /** A JSON body: not JSON or not of the schema, another media type, too large. */
  jsonBody: {
    400: { invalid_request: 'the body is not JSON, or does not match the schema' },
    413: { payload_too_large: null },
    415: { invalid_request: 'a Content-Type other than application/json' },
  },
  /** Any other POST under /v1: the body is not read, but a declared length over the limit is refused. */
  postWithoutBody: { 413: { payload_too_large: 'a body (not used by this route) larger than `bodyLimitBytes`' } },
  database: { 503: { ledger_unavailable: null } },
  /** Answered from the projections. */
  projections: { 503: { ledger_unavailable: null, projection_unavailable: null } },
  /** With `?minPosition=`. */
  readYourWrites: {
    400: { min_position_ahead: null },
    503: { projection_lag: null },
  },
  /** A WeChat API call made while the caller waits. */
  wechat: {
    400: { wechat_rejected: null },
    401: { wechat_invalid_code: null },
    429: { wechat_rate_limited: null, wechat_quota_exhausted: null },
    502: { wechat_upstream_failure: null, wechat_credentials_rejected: null },
  },
} satisfies Record<string, ErrorSpec>;

/** The component name of an event type's envelope: `follow.subscribed` → `FollowSubscribedEvent`. */
export function eventComponentName(type: EventType): string {
  return `${type.split(/[._]/).map((part) => part[0]!.toUpperCase() + part.slice(1)).join('')}Event`;
}

/**
 * One schema per event type, reused from the JSON Schemas published for consumers
 * (src/ledger/eventSchemas.ts: `data` typed, personal fields nullable for erased subjects),
 * united on `type`.
 */
const envelopes = EVENT_TYPES.map((type) =>
  envelopeSchema(type).openapi(eventComponentName(type), {
    description: `One \`${type}\` event. When its subject was erased, \`erased\` is true and the personal fields of \`data\` are null.`,
    example: exampleEvent(type),
  }),
);

export const EnvelopeSchema = z
  .discriminatedUnion('type', envelopes as unknown as [(typeof envelopes)[number], ...(typeof envelopes)[number][]])
  .openapi('Event', {
    description:
      'A ledger event, its `data` typed by `type`. After an erasure the personal fields of `data` (openids, unionids, QR scene, ticket) read as null and `erased` is true; type, times, appids, stream and hashes stay.',
  });

export const LoginAnswerSchema = z
  .object({
    openid: z.string().openapi({ example: EXAMPLE.mpOpenid }),
    unionid: z.string().nullable().openapi({ description: 'null when WeChat did not hand one out', example: EXAMPLE.unionid }),
  })
  .openapi('LoginAnswer', { example: { openid: EXAMPLE.mpOpenid, unionid: EXAMPLE.unionid } });

/** A path appid; `example` should be an account of the kind the route needs. */
/**
 * An identifier a request names (appid, openid, unionid). PostgreSQL refuses NUL in text (22021),
 * and no stored identifier holds one: such a request is a 400 of its own instead of a failed
 * statement (which, for the lookups gathered into one statement, would be everyone's).
 */
export const identifierString = (max: number) => z.string().min(1).max(max).regex(/^[^\u0000]*$/, 'must not contain NUL (U+0000)');

export const appidParam = (example: string, description = 'a configured account') =>
  z.object({ appid: identifierString(64).openapi({ param: { name: 'appid', in: 'path' }, description, example }) });

export const AppidParam = appidParam(EXAMPLE.mpAppid);

const AccountKindSchema = z.enum(['oa', 'mp', 'web']).nullable().openapi({ description: 'the account kind; null for an appid no longer configured', example: 'oa' });
const AccountRefSchema = z.object({ appid: z.string().openapi({ example: EXAMPLE.newOaAppid }), openid: z.string().openapi({ example: EXAMPLE.newOpenid }) });

export const FollowSchema = z
  .object({
    subscribed: z.boolean(),
    subscribedAt: z.string().nullable().openapi({ example: EXAMPLE.time }),
    unsubscribedAt: z.string().nullable().openapi({ example: null }),
    scene: z.string().nullable().openapi({ description: 'the QR scene of the subscribe (`qrscene_…` without the prefix)', example: EXAMPLE.scene }),
    source: z.string().openapi({ description: 'the event source of the last change: webhook, reconciliation, conversion…', example: 'webhook' }),
  })
  .openapi('Follow', { example: { subscribed: true, subscribedAt: EXAMPLE.time, unsubscribedAt: null, scene: EXAMPLE.scene, source: 'webhook' } });

export const UserSchema = z
  .object({
    appid: z.string().openapi({ example: EXAMPLE.oaAppid }),
    openid: z.string().openapi({ example: EXAMPLE.openid }),
    kind: AccountKindSchema,
    unionid: z.string().nullable().openapi({ example: EXAMPLE.unionid }),
    follow: FollowSchema.nullable(),
    linked: z.array(
      z.object({ appid: z.string().openapi({ example: EXAMPLE.mpAppid }), openid: z.string().openapi({ example: EXAMPLE.mpOpenid }), kind: AccountKindSchema }),
    ),
    convertedTo: AccountRefSchema.nullable(),
    convertedFrom: AccountRefSchema.nullable(),
  })
  .openapi('User', {
    example: {
      appid: EXAMPLE.oaAppid,
      openid: EXAMPLE.openid,
      kind: 'oa',
      unionid: EXAMPLE.unionid,
      follow: { subscribed: true, subscribedAt: EXAMPLE.time, unsubscribedAt: null, scene: EXAMPLE.scene, source: 'webhook' },
      linked: [{ appid: EXAMPLE.mpAppid, openid: EXAMPLE.mpOpenid, kind: 'mp' }],
      convertedTo: null,
      convertedFrom: null,
    },
  });

export const UnionidSchema = z
  .object({
    unionid: z.string().openapi({ example: EXAMPLE.unionid }),
    accounts: z.array(
      z.object({
        appid: z.string().openapi({ example: EXAMPLE.oaAppid }),
        openid: z.string().openapi({ example: EXAMPLE.openid }),
        kind: AccountKindSchema,
        follow: FollowSchema.nullable(),
      }),
    ),
  })
  .openapi('Unionid', {
    example: {
      unionid: EXAMPLE.unionid,
      accounts: [
        { appid: EXAMPLE.oaAppid, openid: EXAMPLE.openid, kind: 'oa', follow: { subscribed: true, subscribedAt: EXAMPLE.time, unsubscribedAt: null, scene: EXAMPLE.scene, source: 'webhook' } },
        { appid: EXAMPLE.mpAppid, openid: EXAMPLE.mpOpenid, kind: 'mp', follow: null },
      ],
    },
  });

export const FollowStatusSchema = z
  .object({
    subscribed: z.boolean(),
    openid: z.string().nullable().openapi({ description: "the user's openid in the Official Account; null when none is known", example: EXAMPLE.openid }),
  })
  .openapi('FollowStatus', { example: { subscribed: true, openid: EXAMPLE.openid } });
