import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Service } from '../createService.ts';
import { addDays, statsDay } from '../../projections/dailyStats/statsDay.ts';
import { getDailyStats } from '../../projections/query/getDailyStats.ts';
import { getSceneStats } from '../../projections/query/getSceneStats.ts';
import { ERRORS, appidParam, errorResponses } from './schemas.ts';
import { HttpError } from './errorResponse.ts';
import { maySee, type createAuth } from './auth.ts';
import { APPID_LIMITS, routeAccess } from './routeAccess.ts';
import { EXAMPLE } from './openapiExamples.ts';

/** The longest range one request may ask for: two years of days. */
export const MAX_RANGE_DAYS = 731;
const TAG = 'Follower statistics';

const Day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .refine((day) => !Number.isNaN(Date.parse(`${day}T00:00:00Z`)) && new Date(`${day}T00:00:00Z`).toISOString().startsWith(day), 'not a calendar day');

const Range = z.object({
  from: Day.optional().openapi({ description: 'first day (Beijing time, YYYY-MM-DD); default: 29 days before `to`', example: '2025-03-01' }),
  to: Day.optional().openapi({ description: 'last day, included (Beijing time); default: today', example: '2025-03-14' }),
});

/** The range asked for, defaults filled in; 400 when it is backwards or too long. */
function rangeOf(query: { from?: string | undefined; to?: string | undefined }): { from: string; to: string } {
  const to = query.to ?? statsDay(new Date());
  const from = query.from ?? addDays(to, -29);
  if (from > to) throw new HttpError(400, 'invalid_request', `from (${from}) is after to (${to})`);
  if (addDays(from, MAX_RANGE_DAYS - 1) < to) throw new HttpError(400, 'invalid_request', `a range of at most ${MAX_RANGE_DAYS} days`);
  return { from, to };
}

const n = (example: number, description?: string) => z.number().int().openapi({ example, ...(description ? { description } : {}) });

const DayStatsSchema = z.object({
  day: z.string().openapi({ example: '2025-03-14' }),
  new: n(132, 'subscribes WeChat pushed that made someone a follower'),
  lost: n(41, 'unsubscribes WeChat pushed'),
  reconciledIn: n(3, 'followers a reconciliation found (their push was lost)'),
  reconciledOut: n(1, 'unfollows a reconciliation found'),
  erasedFollowing: n(0, 'followers erased on request while following'),
  net: n(93, 'new − lost + reconciledIn − reconciledOut − erasedFollowing'),
  total: n(10_482, 'followers at the end of the day'),
  erasures: n(42, 'identities erased that day (any reason)'),
});
const dayExample = { day: '2025-03-14', new: 132, lost: 41, reconciledIn: 3, reconciledOut: 1, erasedFollowing: 0, net: 93, total: 10_482, erasures: 42 };

const DailyStatsSchema = z
  .object({
    appid: z.string().openapi({ example: EXAMPLE.oaAppid }),
    from: z.string().openapi({ example: '2025-03-14' }),
    to: z.string().openapi({ example: '2025-03-14' }),
    timeZone: z.string().openapi({ description: 'the days are Beijing days', example: 'Asia/Shanghai' }),
    totalBefore: n(10_389, 'followers at the end of the day before `from`'),
    days: z.array(DayStatsSchema).openapi({ description: 'every day of the range, zeros included' }),
    totals: DayStatsSchema.omit({ day: true }).openapi({ description: 'the sums over the range; `total` is the last day\'s' }),
    reconciliations: z
      .array(
        z.object({
          completedAt: z.string().openapi({ example: EXAMPLE.time }),
          startedAt: z.string().openapi({ example: '2025-03-14T08:20:11.000Z' }),
          followers: n(10_482, "WeChat's follower list"),
          added: n(3, 'followers the ledger had missed'),
          removed: n(1, 'unfollows the ledger had missed'),
        }),
      )
      .openapi({ description: 'reconciliation runs completed in the range: the drift each found' }),
  })
  .openapi('DailyStats', {
    example: {
      appid: EXAMPLE.oaAppid, from: '2025-03-14', to: '2025-03-14', timeZone: 'Asia/Shanghai', totalBefore: 10_389, days: [dayExample],
      totals: { new: 132, lost: 41, reconciledIn: 3, reconciledOut: 1, erasedFollowing: 0, net: 93, total: 10_482, erasures: 42 },
      reconciliations: [{ completedAt: EXAMPLE.time, startedAt: '2025-03-14T08:20:11.000Z', followers: 10_482, added: 3, removed: 1 }],
    },
  });

const SceneSchema = z.object({
  scene: z.string().nullable().openapi({ description: 'the QR scene (`qrscene_<x>` → `x`) or EventKey; null for `none` and `erased`', example: EXAMPLE.scene }),
  bucket: z.enum(['scene', 'none', 'erased']).openapi({ description: '`none`: subscribed without a scene (search, profile); `erased`: the follower was erased, so the scene is forgotten', example: 'scene' }),
  new: n(812, 'followers who subscribed through it in the range'),
  lost: n(97, 'of them, unsubscribed since'),
  churn: z.number().openapi({ description: 'lost / new', example: 0.1195 }),
});

const SceneStatsSchema = z
  .object({
    appid: z.string().openapi({ example: EXAMPLE.oaAppid }),
    from: z.string().openapi({ example: '2025-03-01' }),
    to: z.string().openapi({ example: '2025-03-14' }),
    timeZone: z.string().openapi({ example: 'Asia/Shanghai' }),
    scenes: z.array(SceneSchema).openapi({ description: 'most new followers first, at most `limit`' }),
    more: n(0, 'scenes left out by `limit`'),
    totals: z.object({ new: n(1_204), lost: n(160), churn: z.number().openapi({ example: 0.1329 }) }).openapi({ description: 'over every scene, those left out included' }),
  })
  .openapi('SceneStats', {
    example: {
      appid: EXAMPLE.oaAppid, from: '2025-03-01', to: '2025-03-14', timeZone: 'Asia/Shanghai',
      scenes: [
        { scene: EXAMPLE.scene, bucket: 'scene', new: 812, lost: 97, churn: 0.1195 },
        { scene: null, bucket: 'none', new: 380, lost: 61, churn: 0.1605 },
        { scene: null, bucket: 'erased', new: 12, lost: 2, churn: 0.1667 },
      ],
      more: 0,
      totals: { new: 1_204, lost: 160, churn: 0.1329 },
    },
  });

const refusals = {
  400: { invalid_request: '`from` or `to` is not a day (YYYY-MM-DD), `from` is after `to`, or the range is longer than 731 days' },
  401: { unauthorized: null },
  403: { forbidden: 'the key lacks the `read` scope, or is limited to other appids' },
};

/**
 * The follower statistics behind `/dashboard`, from the daily-stats projection: per day, per
 * scene cohort, and the accounts a key may look at.
 */
export function statsRoutes(service: Service, requireScope: ReturnType<typeof createAuth>) {
  const app = new OpenAPIHono();
  const db = service.storage.db;

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/accounts',
      tags: [TAG],
      summary: 'The configured accounts this key may see',
      ...routeAccess(requireScope, 'read', { accepted: true, checks: [], rule: "accepted; only the key's own accounts are listed." }, 'Every configured account (appid and kind) the key may name, in configuration order: what the dashboard offers to pick from.'),
      responses: {
        200: {
          description: 'the accounts',
          content: {
            'application/json': {
              schema: z
                .object({ accounts: z.array(z.object({ appid: z.string().openapi({ example: EXAMPLE.oaAppid }), kind: z.enum(['oa', 'mp', 'web']).openapi({ example: 'oa' }) })) })
                .openapi({ example: { accounts: [{ appid: EXAMPLE.oaAppid, kind: 'oa' }, { appid: EXAMPLE.mpAppid, kind: 'mp' }] } }),
            },
          },
        },
        ...errorResponses(ERRORS.internal, { 401: { unauthorized: null }, 403: { forbidden: 'the key lacks the `read` scope' } }),
      },
    }),
    (c) => c.json({ accounts: service.config.accounts.filter((a) => maySee(c, a.appid)).map((a) => ({ appid: a.appid, kind: a.kind })) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/accounts/{appid}/stats/daily',
      tags: [TAG],
      summary: 'Followers per day: new, lost, reconciled, net, total, erasures; reconciliation drift',
      ...routeAccess(
        requireScope,
        'read',
        APPID_LIMITS.path,
        'Every Beijing day of the range from the daily-stats projection: follow-state transitions WeChat pushed (`new`, `lost`), those a reconciliation found, followers erased while following, the running `total`, identities erased, and the reconciliation runs that completed in the range with the drift each found. An appid never seen answers zeros.',
      ),
      request: { params: appidParam(EXAMPLE.oaAppid, 'a configured Official Account'), query: Range },
      responses: {
        200: { description: 'the days', content: { 'application/json': { schema: DailyStatsSchema } } },
        ...errorResponses(ERRORS.internal, ERRORS.projections, refusals),
      },
    }),
    async (c) => {
      const { from, to } = rangeOf(c.req.valid('query'));
      return c.json(await getDailyStats(db, c.req.valid('param').appid, from, to), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/accounts/{appid}/stats/scenes',
      tags: [TAG],
      summary: 'New followers per QR scene (EventKey) in a range, and how many of each cohort left since',
      ...routeAccess(
        requireScope,
        'read',
        APPID_LIMITS.path,
        'The cohorts of the range by scene: followers who subscribed through each QR scene (or EventKey) on a day of the range, and how many of them have unsubscribed since. Followers who subscribed without a scene are the `none` bucket; erased followers are counted in `erased`, their scene forgotten.',
      ),
      request: {
        params: appidParam(EXAMPLE.oaAppid, 'a configured Official Account'),
        query: Range.extend({ limit: z.coerce.number().int().min(1).max(1000).default(100).openapi({ description: 'at most this many scenes', example: 100 }) }),
      },
      responses: {
        200: { description: 'the cohorts', content: { 'application/json': { schema: SceneStatsSchema } } },
        ...errorResponses(ERRORS.internal, ERRORS.projections, { ...refusals, 400: { invalid_request: '`from`, `to` or `limit` is not valid, `from` is after `to`, or the range is longer than 731 days' } }),
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const { from, to } = rangeOf(query);
      return c.json(await getSceneStats(db, c.req.valid('param').appid, from, to, query.limit), 200);
    },
  );
  return app;
}
