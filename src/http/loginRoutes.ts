import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Service } from '../createService.ts';
import { miniProgramLogin } from '../commands/miniProgramLogin.ts';
import { reportLogin } from '../commands/reportLogin.ts';
import { oauthCallback } from '../commands/oauthCallback.ts';
import { AppidParam, LoginAnswerSchema, errorResponses } from './schemas.ts';
import { HttpError } from './errorResponse.ts';
import { grantOf, requireAppids, type createAuth } from './auth.ts';

const MiniProgramLoginBody = z
  .object({
    code: z.string().min(1).max(256),
    encryptedData: z.string().max(65_536).optional(),
    iv: z.string().max(64).optional(),
    rawData: z.string().max(65_536).optional(),
    signature: z.string().max(128).optional(),
  })
  .openapi('MiniProgramLogin');

const ReportedLoginBody = z
  .object({
    appid: z.string().min(1).max(64),
    openid: z.string().min(1).max(128),
    unionid: z.string().min(1).max(128).optional(),
    occurredAt: z.string().datetime({ offset: true }).optional(),
  })
  .openapi('ReportedLogin');

export function loginRoutes(service: Service, requireScope: ReturnType<typeof createAuth>) {
  const app = new OpenAPIHono();
  const clientFor = (appid: string, kinds: string[]) => {
    const account = service.accounts.get(appid);
    const client = service.wechat(appid);
    if (!account || !client || !kinds.includes(account.kind)) throw new HttpError(404, 'unknown_appid', `${appid} is not a configured ${kinds.join('/')} account`);
    return client;
  };

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/miniprogram/{appid}/login',
      summary: 'Mini program login: code2Session, optional rawData check and encryptedData decrypt',
      middleware: [requireScope('write')] as const,
      security: [{ bearer: [] }],
      request: { params: AppidParam, body: { content: { 'application/json': { schema: MiniProgramLoginBody } }, required: true } },
      responses: { 200: { description: 'the user', content: { 'application/json': { schema: LoginAnswerSchema } } }, ...errorResponses(400, 401, 403, 404, 409, 429, 502, 503) },
    }),
    async (c) => {
      const { appid } = c.req.valid('param');
      const body = c.req.valid('json');
      const answer = await miniProgramLogin(
        { ledger: service.ledger, client: clientFor(appid, ['mp']), vault: service.vault, watermarkMaxAgeSeconds: service.config.wechat.watermarkMaxAgeSeconds },
        { appid, ...body, requester: grantOf(c).id },
      );
      return c.json(answer, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/logins',
      summary: 'A login the application verified itself',
      middleware: [requireScope('write')] as const,
      security: [{ bearer: [] }],
      request: {
        body: { content: { 'application/json': { schema: ReportedLoginBody } }, required: true },
        headers: z.object({ 'idempotency-key': z.string().max(256).optional() }),
      },
      responses: {
        200: { description: 'recorded', content: { 'application/json': { schema: LoginAnswerSchema.extend({ position: z.number().int() }) } } },
        ...errorResponses(400, 401, 403, 404, 409, 503),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      requireAppids(c, [body.appid]);
      if (!service.accounts.has(body.appid)) throw new HttpError(404, 'unknown_appid', `${body.appid} is not a configured account`);
      return c.json(await reportLogin(service.ledger, body, c.req.valid('header')['idempotency-key']), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/oauth/{appid}/callback',
      summary: 'Web OAuth callback: exchanges the code, records oauth.authorized',
      middleware: [requireScope('write')] as const,
      security: [{ bearer: [] }],
      request: { params: AppidParam, query: z.object({ code: z.string().min(1).max(256), state: z.string().max(256).optional() }) },
      responses: { 200: { description: 'the user', content: { 'application/json': { schema: LoginAnswerSchema } } }, ...errorResponses(400, 401, 403, 404, 409, 429, 502, 503) },
    }),
    async (c) => {
      const { appid } = c.req.valid('param');
      const { code, state } = c.req.valid('query');
      const client = clientFor(appid, ['web', 'oa']);
      return c.json(await oauthCallback({ ledger: service.ledger, client }, { appid, code, state, requester: grantOf(c).id }), 200);
    },
  );
  return app;
}
