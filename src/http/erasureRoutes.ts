import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Service } from '../createService.ts';
import { eraseIdentities, readErasure } from '../erasure/eraseIdentities.ts';
import { requireAppids, requireUnlimitedKey, type createAuth } from './auth.ts';
import { HttpError } from './errorResponse.ts';
import { ERRORS, errorResponses } from './schemas.ts';
import { routeAccess } from './routeAccess.ts';
import { EXAMPLE } from './openapiExamples.ts';

const ERASURE_EXAMPLE = {
  id: EXAMPLE.erasureId,
  erasedAt: EXAMPLE.recordedAt,
  scope: 'account',
  reason: 'request',
  appid: EXAMPLE.mpAppid,
  subject: EXAMPLE.mpSubject,
  identities: 1,
  events: 4,
  sessions: 1,
  projectionRows: 2,
  jobData: 0,
};

const ErasureSchema = z
  .object({
    id: z.string().uuid().openapi({ example: EXAMPLE.erasureId }),
    erasedAt: z.string().openapi({ example: EXAMPLE.recordedAt }),
    scope: z.enum(['account', 'unionid']),
    reason: z.enum(['unsubscribe', 'revoke', 'cancellation', 'request']).openapi({ description: '`request` for this API; the others come from WeChat pushes and the account policy' }),
    appid: z.string().nullable().openapi({ description: 'null for an erasure by unionid (across apps)', example: EXAMPLE.mpAppid }),
    subject: z.string().openapi({ description: 'pseudonym of what was erased (never the openid or unionid)', example: EXAMPLE.mpSubject }),
    identities: z.number().int().openapi({ description: '(appid, openid) identities forgotten' }),
    events: z.number().int().openapi({ description: 'ledger events now redacted' }),
    sessions: z.number().int(),
    projectionRows: z.number().int(),
    jobData: z.number().int(),
  })
  .openapi('Erasure', { example: ERASURE_EXAMPLE });

const ErasureRequest = z
  .union([
    z
      .object({ appid: z.string().min(1).max(64).openapi({ example: EXAMPLE.mpAppid }), openid: z.string().min(1).max(128).openapi({ example: EXAMPLE.mpOpenid }) })
      .strict()
      .openapi({ example: { appid: EXAMPLE.mpAppid, openid: EXAMPLE.mpOpenid } }),
    z
      .object({ unionid: z.string().min(1).max(128).openapi({ example: EXAMPLE.unionid }) })
      .strict()
      .openapi({ example: { unionid: EXAMPLE.unionid } }),
  ])
  .openapi('ErasureRequest', {
    description: "one account's user ({appid, openid}) or a person across every app under a unionid ({unionid})",
    example: { appid: EXAMPLE.mpAppid, openid: EXAMPLE.mpOpenid },
  });

/** Erasure on request (PIPL art. 47): forget a person now; read back what was erased (counts, not data). */
export function erasureRoutes(service: Service, requireScope: ReturnType<typeof createAuth>) {
  const app = new OpenAPIHono();

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/erasures',
      tags: ['Erasure'],
      summary: "Erase one account's user or a person under a unionid: keys, projection rows, session keys; the ledger keeps redacted events",
      ...routeAccess(
        requireScope,
        'admin',
        {
          accepted: 'partly',
          checks: ['body appid'],
          rule: "`{appid, openid}` is accepted when `appid` is one of the key's (403 `forbidden` otherwise); `{unionid}` reaches across apps and needs a key without `appids` (403).",
        },
        "Erasure on request (PIPL art. 47), in one transaction: the subject's key is deleted (every event sealed under it now reads redacted: `erased: true`, personal fields null), and its projection rows, sealed session keys and job work lists are deleted; one `identity.erased` event per identity tells consumers to delete their copies. The answer is counts and a pseudonym, never data.",
      ),
      request: { body: { content: { 'application/json': { schema: ErasureRequest } }, required: true } },
      responses: {
        201: {
          description: 'erased (also when nothing was left to erase: the register still refuses late facts)',
          headers: z.object({ location: z.string().openapi({ example: `/v1/erasures/${EXAMPLE.erasureId}` }) }),
          content: { 'application/json': { schema: ErasureSchema } },
        },
        ...errorResponses(ERRORS.internal, ERRORS.jsonBody, ERRORS.database, {
          400: { invalid_request: 'the body is neither `{appid, openid}` nor `{unionid}` (no other fields), or not JSON' },
          401: { unauthorized: null },
          403: { forbidden: 'the key lacks the `admin` scope, `appid` is not one of its appids, or a key limited to appids asks for a unionid' },
        }),
      },
    }),
    async (c) => {
      const target = c.req.valid('json');
      // A key limited to appids may erase its accounts' users; a person across apps needs an unlimited key.
      if ('appid' in target) requireAppids(c, [target.appid]);
      else requireUnlimitedKey(c, 'erasing a person across apps (by unionid)');
      const erasure = await eraseIdentities(service.ledger, target, {
        reason: 'request',
        recordAlways: true,
        registerRetentionDays: service.config.erasure.registerRetentionDays,
      });
      service.metrics.erasures.inc({ appid: 'appid' in target ? target.appid : 'unionid', reason: 'request' });
      c.header('location', `/v1/erasures/${erasure!.id}`);
      return c.json(erasure!, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/erasures/{id}',
      tags: ['Erasure'],
      summary: 'What one erasure removed: counts, never data',
      ...routeAccess(
        requireScope,
        'admin',
        {
          accepted: 'partly',
          checks: ["the erasure's appid"],
          rule: "accepted for erasures of the key's accounts; an erasure by unionid (`appid` null) needs a key without `appids` (403 `forbidden`).",
        },
        'An erasure as recorded: when, why, and how many identities, events, session keys, projection rows and job items it removed.',
      ),
      request: { params: z.object({ id: z.string().uuid().openapi({ param: { name: 'id', in: 'path' }, example: EXAMPLE.erasureId }) }) },
      responses: {
        200: { description: 'the erasure', content: { 'application/json': { schema: ErasureSchema } } },
        ...errorResponses(ERRORS.internal, ERRORS.database, {
          400: { invalid_request: '`id` is not a UUID' },
          401: { unauthorized: null },
          403: { forbidden: "the key lacks the `admin` scope, or the erasure is another account's (or across apps, for a key limited to appids)" },
          404: { erasure_not_found: null },
        }),
      },
    }),
    async (c) => {
      const erasure = await readErasure(service.ledger, c.req.valid('param').id);
      if (!erasure) throw new HttpError(404, 'erasure_not_found', 'no erasure with this id');
      if (erasure.appid === null) requireUnlimitedKey(c, 'an erasure across apps');
      else requireAppids(c, [erasure.appid]);
      return c.json(erasure, 200);
    },
  );
  return app;
}
