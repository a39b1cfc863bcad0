import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Service } from '../createService.ts';
import { getUser } from '../../projections/query/getUser.ts';
import { getUserAsOf } from '../../projections/query/getUserAsOf.ts';
import { getUnionid } from '../../projections/query/getUnionid.ts';
import { getFollowStatus } from '../../projections/query/getFollowStatus.ts';
import { listFollowers, MAX_FOLLOWERS_LIMIT } from '../../projections/query/listFollowers.ts';
import { getAccountStats } from '../../projections/query/getAccountStats.ts';
import { AppidParam, FollowStatusSchema, UnionidSchema, UserSchema, errorResponses } from './schemas.ts';
import { HttpError } from './errorResponse.ts';
import { maySee, requireAppids, type createAuth } from './auth.ts';

/**
 * `minPosition` gives read-your-writes: an application that just appended (e.g. POST /v1/logins
 * answered `position`) waits until the projections have folded that far.
 */
const Consistency = z.object({
  minPosition: z.coerce.number().int().nonnegative().optional().openapi({ description: 'wait (≤ 2 s) until projections folded this ledger position' }),
});

export function queryRoutes(service: Service, requireScope: ReturnType<typeof createAuth>) {
  const app = new OpenAPIHono();
  const db = service.storage.db;
  const ctx = service.projectionContext;
  const consistent = async (minPosition: number | undefined) => {
    if (minPosition === undefined) return;
    // Positions are gapless and commit-ordered: one above the head was never written, and
    // waiting for it would only hold the request for the full 2 s.
    const head = await service.ledger.head();
    if (minPosition > head) throw new HttpError(400, 'min_position_ahead', `minPosition ${minPosition} is beyond the ledger head (${head})`);
    await service.projections.waitFor(minPosition, 2000);
  };

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/accounts/{appid}/users/{openid}',
      summary: 'One user: unionid, follow state, linked accounts, conversions (?asOf answers from the ledger)',
      middleware: [requireScope('read')] as const,
      security: [{ bearer: [] }],
      request: {
        params: AppidParam.extend({ openid: z.string().min(1).max(128).openapi({ param: { name: 'openid', in: 'path' } }) }),
        query: Consistency.extend({ asOf: z.string().datetime({ offset: true }).optional().openapi({ description: 'ISO time: the user as the ledger knew it then' }) }),
      },
      responses: { 200: { description: 'the user', content: { 'application/json': { schema: UserSchema } } }, ...errorResponses(400, 401, 403, 404, 422, 503) },
    }),
    async (c) => {
      const { appid, openid } = c.req.valid('param');
      const { asOf, minPosition } = c.req.valid('query');
      await consistent(minPosition);
      const user = asOf ? await getUserAsOf(service.ledger, appid, openid, new Date(asOf), ctx) : await getUser(db, appid, openid);
      if (!user) throw new HttpError(404, 'user_not_found', `${appid}/${openid} was never seen${asOf ? ` by ${asOf}` : ''}`);
      // A key limited to some appids sees the person's accounts in those apps only.
      const visible = <T extends { appid: string }>(ref: T | null) => (ref && maySee(c, ref.appid) ? ref : null);
      return c.json({ ...user, linked: user.linked.filter((a) => maySee(c, a.appid)), convertedTo: visible(user.convertedTo), convertedFrom: visible(user.convertedFrom) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/unionids/{unionid}',
      summary: 'Every (appid, openid) linked through a unionid, with follow state',
      middleware: [requireScope('read')] as const,
      security: [{ bearer: [] }],
      request: { params: z.object({ unionid: z.string().min(1).max(128).openapi({ param: { name: 'unionid', in: 'path' } }) }), query: Consistency },
      responses: { 200: { description: 'the linked accounts', content: { 'application/json': { schema: UnionidSchema } } }, ...errorResponses(400, 401, 403, 404, 503) },
    }),
    async (c) => {
      const { unionid } = c.req.valid('param');
      await consistent(c.req.valid('query').minPosition);
      const view = await getUnionid(db, unionid);
      // A key limited to some appids sees those apps' accounts; a unionid none of them has is unknown to it.
      const accounts = view?.accounts.filter((a) => maySee(c, a.appid)) ?? [];
      if (!view || accounts.length === 0) throw new HttpError(404, 'unionid_not_found', `unionid ${unionid} was never seen`);
      return c.json({ ...view, accounts }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/follow-status',
      summary: 'Does this user follow our Official Account? By unionid, or by a mini program openid',
      middleware: [requireScope('read')] as const,
      security: [{ bearer: [] }],
      request: {
        query: Consistency.extend({
          appid: z.string().min(1).max(64).openapi({ description: 'the Official Account' }),
          unionid: z.string().min(1).max(128).optional(),
          viaAppid: z.string().min(1).max(64).optional().openapi({ description: 'e.g. the mini program' }),
          viaOpenid: z.string().min(1).max(128).optional(),
        }),
      },
      responses: { 200: { description: 'follow status', content: { 'application/json': { schema: FollowStatusSchema } } }, ...errorResponses(400, 401, 403, 503) },
    }),
    async (c) => {
      const query = c.req.valid('query');
      requireAppids(c, [query.appid, query.viaAppid]);
      await consistent(query.minPosition);
      if (query.unionid) return c.json(await getFollowStatus(db, { appid: query.appid, unionid: query.unionid }), 200);
      if (query.viaAppid && query.viaOpenid) {
        return c.json(await getFollowStatus(db, { appid: query.appid, viaAppid: query.viaAppid, viaOpenid: query.viaOpenid }), 200);
      }
      throw new HttpError(400, 'invalid_request', 'give unionid, or viaAppid and viaOpenid');
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/accounts/{appid}/followers',
      summary: 'Current followers of an Official Account, keyset-paged by openid',
      middleware: [requireScope('read')] as const,
      security: [{ bearer: [] }],
      request: {
        params: AppidParam,
        query: z.object({ cursor: z.string().max(512).optional(), limit: z.coerce.number().int().min(1).max(MAX_FOLLOWERS_LIMIT).default(100) }),
      },
      responses: {
        200: {
          description: 'a page of followers; `next` is the cursor for the following page',
          content: {
            'application/json': {
              schema: z.object({
                followers: z.array(z.object({ openid: z.string(), subscribedAt: z.string().nullable(), scene: z.string().nullable(), unionid: z.string().nullable() })),
                next: z.string().nullable(),
              }),
            },
          },
        },
        ...errorResponses(400, 401, 403, 503),
      },
    }),
    async (c) => {
      const { appid } = c.req.valid('param');
      const { cursor, limit } = c.req.valid('query');
      return c.json(await listFollowers(db, appid, { cursor: cursor ?? null, limit }), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/accounts/{appid}/stats',
      summary: 'Counts for one account: followers, unionid coverage, conflicts, conversions',
      middleware: [requireScope('read')] as const,
      security: [{ bearer: [] }],
      request: { params: AppidParam },
      responses: {
        200: {
          description: 'counts',
          content: {
            'application/json': {
              schema: z.object({
                appid: z.string(),
                followers: z.number().int(),
                unfollowed: z.number().int(),
                withUnionid: z.number().int(),
                withoutUnionid: z.number().int(),
                conflicts: z.number().int(),
                converted: z.number().int(),
              }),
            },
          },
        },
        ...errorResponses(401, 403, 503),
      },
    }),
    async (c) => c.json(await getAccountStats(db, c.req.valid('param').appid), 200),
  );
  return app;
}
