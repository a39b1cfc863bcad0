import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Service } from '../createService.ts';
import { eraseIdentities, readErasure } from '../erasure/eraseIdentities.ts';
import { requireAppids, requireUnlimitedKey, type createAuth } from './auth.ts';
import { HttpError } from './errorResponse.ts';
import { errorResponses } from './schemas.ts';

const ErasureSchema = z
  .object({
    id: z.string().uuid(),
    erasedAt: z.string(),
    scope: z.enum(['account', 'unionid']),
    reason: z.enum(['unsubscribe', 'revoke', 'cancellation', 'request']),
    appid: z.string().nullable(),
    subject: z.string().openapi({ description: 'pseudonym of what was erased (never the openid or unionid)' }),
    identities: z.number().int().openapi({ description: '(appid, openid) identities forgotten' }),
    events: z.number().int().openapi({ description: 'ledger events now redacted' }),
    sessions: z.number().int(),
    projectionRows: z.number().int(),
    jobData: z.number().int(),
  })
  .openapi('Erasure');

const ErasureRequest = z
  .union([
    z.object({ appid: z.string().min(1).max(64), openid: z.string().min(1).max(128) }).strict(),
    z.object({ unionid: z.string().min(1).max(128) }).strict(),
  ])
  .openapi('ErasureRequest', { description: "one account's user ({appid, openid}) or a person across every app under a unionid ({unionid})" });

/** Erasure on request (PIPL art. 47): forget a person now; read back what was erased (counts, not data). */
export function erasureRoutes(service: Service, requireScope: ReturnType<typeof createAuth>) {
  const app = new OpenAPIHono();

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/erasures',
      summary: "Erase one account's user or a person under a unionid: keys, projection rows, session keys; the ledger keeps redacted events",
      middleware: [requireScope('admin')] as const,
      security: [{ bearer: [] }],
      request: { body: { content: { 'application/json': { schema: ErasureRequest } }, required: true } },
      responses: { 201: { description: 'erased (also when nothing was left to erase: the register still refuses late facts)', content: { 'application/json': { schema: ErasureSchema } } }, ...errorResponses(400, 401, 403, 503) },
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
      summary: 'What one erasure removed: counts, never data',
      middleware: [requireScope('admin')] as const,
      security: [{ bearer: [] }],
      request: { params: z.object({ id: z.string().uuid().openapi({ param: { name: 'id', in: 'path' } }) }) },
      responses: { 200: { description: 'the erasure', content: { 'application/json': { schema: ErasureSchema } } }, ...errorResponses(400, 401, 403, 404) },
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
