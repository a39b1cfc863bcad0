import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import pLimit from 'p-limit';
import type { Service } from '../createService.ts';
import { getUser } from '../../projections/query/getUser.ts';
import { getUserAsOf } from '../../projections/query/getUserAsOf.ts';
import { getUnionid } from '../../projections/query/getUnionid.ts';
import { getFollowStatus } from '../../projections/query/getFollowStatus.ts';
import { listFollowers, MAX_FOLLOWERS_LIMIT } from '../../projections/query/listFollowers.ts';
import { getAccountStats } from '../../projections/query/getAccountStats.ts';
import { ERRORS, FollowStatusSchema, UnionidSchema, UserSchema, appidParam, errorResponses, identifierString } from './schemas.ts';
import { HttpError } from './errorResponse.ts';
import { maySee, requireAppids, type createAuth } from './auth.ts';
import { APPID_LIMITS, routeAccess } from './routeAccess.ts';
import { EXAMPLE } from './openapiExamples.ts';

/** A read on a route whose path names the account. */
const readRefusals = {
  401: { unauthorized: null },
  403: { forbidden: 'the key lacks the `read` scope, or is limited to other appids' },
};

/**
 * `minPosition` gives read-your-writes: an application that just appended (e.g. POST /v1/logins
 * answered `position`) waits until the projections have folded that far.
 */
const Consistency = z.object({
  minPosition: z.coerce
    .number()
    .int()
    .nonnegative()
    .optional()
    .openapi({ description: 'wait (≤ 2 s) until projections folded this ledger position (e.g. the `position` POST /v1/logins answered)', example: 4822 }),
});

/**
 * `?asOf` answers from the ledger, up to AS_OF_MAX_READS reads per request, each holding a pool
 * connection: at most this many run at once (the rest wait their turn), so a burst of them cannot
 * take the pool's ten connections from the lookups. Sixty at once over a unionid shared by 5,000
 * accounts held plain lookups sent beside them for 7.2 s without this limit, 0.56 s with it, and
 * in a red-team run made some of them fail with 503 (2026-12-04).
 */
export const AS_OF_CONCURRENCY = 2;

export function queryRoutes(service: Service, requireScope: ReturnType<typeof createAuth>) {
  const app = new OpenAPIHono();
  const asOfLimit = pLimit(AS_OF_CONCURRENCY);
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
      tags: ['Users and follow state'],
      summary: 'One user: unionid, follow state, linked accounts, conversions (?asOf answers from the ledger)',
      ...routeAccess(
        requireScope,
        'read',
        { ...APPID_LIMITS.path, rule: "accepted; the path's `appid` must be one of the key's (403 `forbidden` otherwise), and `linked`, `convertedTo` and `convertedFrom` leave out accounts the key may not see." },
        "The user as the projections know it: kind, unionid, follow state, the person's accounts in the other apps (linked through the unionid) and openid conversions. `asOf` answers from the ledger's history instead, reading at most 100 times.",
      ),
      request: {
        params: appidParam(EXAMPLE.oaAppid).extend({ openid: identifierString(128).openapi({ param: { name: 'openid', in: 'path' }, example: EXAMPLE.openid }) }),
        query: Consistency.extend({
          asOf: z.string().datetime({ offset: true }).optional().openapi({ description: 'ISO time: the user as the ledger knew it then', example: EXAMPLE.time }),
        }),
      },
      responses: {
        200: { description: 'the user', content: { 'application/json': { schema: UserSchema } } },
        ...errorResponses(ERRORS.internal, ERRORS.projections, ERRORS.readYourWrites, readRefusals, {
          400: { invalid_request: '`openid`, `asOf` or `minPosition` is not valid' },
          404: { user_not_found: null },
          422: { as_of_too_broad: null },
        }),
      },
    }),
    async (c) => {
      const { appid, openid } = c.req.valid('param');
      const { asOf, minPosition } = c.req.valid('query');
      await consistent(minPosition);
      const user = asOf ? await asOfLimit(() => getUserAsOf(service.ledger, appid, openid, new Date(asOf), ctx)) : await getUser(db, appid, openid);
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
      tags: ['Users and follow state'],
      summary: 'Every (appid, openid) linked through a unionid, with follow state',
      ...routeAccess(
        requireScope,
        'read',
        { accepted: true, checks: [], rule: "accepted; `accounts` lists only the key's accounts, and a unionid none of them has is 404 `unionid_not_found`." },
        'The person behind a unionid: each of their (appid, openid) identities, its kind and, for Official Accounts, follow state.',
      ),
      request: { params: z.object({ unionid: identifierString(128).openapi({ param: { name: 'unionid', in: 'path' }, example: EXAMPLE.unionid }) }), query: Consistency },
      responses: {
        200: { description: 'the linked accounts', content: { 'application/json': { schema: UnionidSchema } } },
        ...errorResponses(ERRORS.internal, ERRORS.projections, ERRORS.readYourWrites, {
          400: { invalid_request: '`unionid` or `minPosition` is not valid' },
          401: { unauthorized: null },
          403: { forbidden: 'the key lacks the `read` scope' },
          404: { unionid_not_found: null },
        }),
      },
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
      tags: ['Users and follow state'],
      summary: 'Does this user follow our Official Account? By unionid, or by a mini program openid',
      ...routeAccess(
        requireScope,
        'read',
        { accepted: true, checks: ['query appid', 'query viaAppid'], rule: 'accepted; `appid` and `viaAppid` must both be among the key\'s (403 `forbidden` otherwise).' },
        'Give `unionid`, or `viaAppid` and `viaOpenid` (e.g. the mini program user in front of you): the answer says whether that person follows the Official Account `appid`, and their openid there.',
      ),
      request: {
        query: Consistency.extend({
          appid: identifierString(64).openapi({ description: 'the Official Account', example: EXAMPLE.oaAppid }),
          unionid: identifierString(128).optional().openapi({ example: EXAMPLE.unionid }),
          viaAppid: identifierString(64).optional().openapi({ description: 'e.g. the mini program', example: EXAMPLE.mpAppid }),
          viaOpenid: identifierString(128).optional().openapi({ description: 'the openid in `viaAppid`', example: EXAMPLE.mpOpenid }),
        }),
      },
      responses: {
        200: { description: 'follow status', content: { 'application/json': { schema: FollowStatusSchema } } },
        ...errorResponses(ERRORS.internal, ERRORS.projections, ERRORS.readYourWrites, {
          400: { invalid_request: 'a parameter is not valid, or neither `unionid` nor `viaAppid` and `viaOpenid` were given' },
          401: { unauthorized: null },
          403: { forbidden: 'the key lacks the `read` scope, or `appid` or `viaAppid` is not one of its appids' },
        }),
      },
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
      tags: ['Users and follow state'],
      summary: 'Current followers of an Official Account, keyset-paged by openid',
      ...routeAccess(requireScope, 'read', APPID_LIMITS.path, 'The followers the follow-state projection holds now, in openid order; pass `next` as `cursor` for the following page.'),
      request: {
        params: appidParam(EXAMPLE.oaAppid, 'a configured Official Account'),
        query: z.object({
          cursor: z.string().max(512).optional().openapi({ description: 'the `next` of the previous page', example: EXAMPLE.openid }),
          limit: z.coerce.number().int().min(1).max(MAX_FOLLOWERS_LIMIT).default(100).openapi({ example: 100 }),
        }),
      },
      responses: {
        200: {
          description: 'a page of followers; `next` is the cursor for the following page',
          content: {
            'application/json': {
              schema: z
                .object({
                  followers: z.array(
                    z.object({
                      openid: z.string().openapi({ example: EXAMPLE.openid }),
                      subscribedAt: z.string().nullable().openapi({ example: EXAMPLE.time }),
                      scene: z.string().nullable().openapi({ example: EXAMPLE.scene }),
                      unionid: z.string().nullable().openapi({ example: EXAMPLE.unionid }),
                    }),
                  ),
                  next: z.string().nullable().openapi({ example: EXAMPLE.openid }),
                })
                .openapi({ example: { followers: [{ openid: EXAMPLE.openid, subscribedAt: EXAMPLE.time, scene: EXAMPLE.scene, unionid: EXAMPLE.unionid }], next: EXAMPLE.openid } }),
            },
          },
        },
        ...errorResponses(ERRORS.internal, ERRORS.projections, readRefusals, { 400: { invalid_request: '`cursor` or `limit` is not valid' } }),
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
      tags: ['Users and follow state'],
      summary: 'Counts for one account: followers, unionid coverage, conflicts, conversions',
      ...routeAccess(requireScope, 'read', APPID_LIMITS.path, 'Counts from the projections: current followers, users who unfollowed, identities with and without a unionid, unionid conflicts, openids converted away.'),
      request: { params: appidParam(EXAMPLE.oaAppid) },
      responses: {
        200: {
          description: 'counts',
          content: {
            'application/json': {
              schema: z
                .object({
                  appid: z.string().openapi({ example: EXAMPLE.oaAppid }),
                  followers: z.number().int(),
                  unfollowed: z.number().int(),
                  withUnionid: z.number().int(),
                  withoutUnionid: z.number().int(),
                  conflicts: z.number().int(),
                  converted: z.number().int(),
                })
                .openapi({ example: { appid: EXAMPLE.oaAppid, followers: 10_482, unfollowed: 1_937, withUnionid: 12_301, withoutUnionid: 118, conflicts: 2, converted: 0 } }),
            },
          },
        },
        ...errorResponses(ERRORS.internal, ERRORS.projections, readRefusals, { 400: { invalid_request: '`appid` is longer than 64 characters' } }),
      },
    }),
    async (c) => c.json(await getAccountStats(db, c.req.valid('param').appid), 200),
  );
  return app;
}
