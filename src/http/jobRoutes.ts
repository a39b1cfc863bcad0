import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Service } from '../createService.ts';
import { JobKind, JobStatus } from '../jobs/job.ts';
import { JobRefusal } from '../jobs/jobErrors.ts';
import { jobView } from '../jobs/jobView.ts';
import { requestConversion } from '../jobs/requestConversion.ts';
import { requestReconciliation, type RequestedJob } from '../jobs/requestReconciliation.ts';
import { requestUnionidBackfill } from '../jobs/requestUnionidBackfill.ts';
import { getJob, listJobs } from '../jobs/store/readJobs.ts';
import { requeueJob } from '../jobs/store/requeueJob.ts';
import { grantOf, maySee, requireAppids, type createAuth } from './auth.ts';
import { resolveMigration } from '../jobs/convert/resolveMigration.ts';
import type { Job } from '../jobs/job.ts';
import { ERRORS, appidParam, errorResponses, type ErrorSpec } from './schemas.ts';
import { APPID_LIMITS, routeAccess } from './routeAccess.ts';
import { EXAMPLE } from './openapiExamples.ts';

const JOB_EXAMPLE = {
  id: EXAMPLE.jobId,
  kind: 'reconciliation',
  appid: EXAMPLE.oaAppid,
  status: 'running',
  phase: 'listing',
  progress: { done: 40_000, total: 104_820 },
  rate: 9_850.4,
  eta: '2025-03-14T02:00:13.000Z',
  etaSeconds: 7,
  result: null,
  error: null,
  params: {},
  attempts: 1,
  createdAt: '2025-03-14T02:00:00.120Z',
  startedAt: '2025-03-14T02:00:00.180Z',
  updatedAt: '2025-03-14T02:00:06.020Z',
  finishedAt: null,
  resumeAt: null,
};

const JobSchema = z
  .object({
    id: z.string().uuid().openapi({ example: EXAMPLE.jobId }),
    kind: JobKind,
    appid: z.string().openapi({ description: 'the account the job acts on (a conversion: the new account)', example: EXAMPLE.oaAppid }),
    status: JobStatus,
    phase: z.string().openapi({ description: "the job's current step, e.g. listing, diffing, resolving, converting, done", example: 'listing' }),
    progress: z.object({ done: z.number().int(), total: z.number().int().nullable() }),
    rate: z.number().nullable().openapi({ description: 'items per second of the current phase' }),
    eta: z.string().nullable().openapi({ description: 'when the current phase should end at this rate', example: '2025-03-14T02:00:13.000Z' }),
    etaSeconds: z.number().int().nullable(),
    result: z.record(z.string(), z.unknown()).nullable().openapi({
      description: 'when done: what the job found and did',
      example: { followers: 104_820, added: 37, removed: 12, passes: 1, startedAt: '2025-03-14T02:00:00.000Z', unionidsResolved: 37, unionidsMissing: 0, completedPosition: 4822 },
    }),
    error: z
      .object({ code: z.string().openapi({ example: 'wechat_no_migration_relation' }), message: z.string().openapi({ example: 'changeopenid answered 63178 (no migration relation) for every from_appid tried: wx8f2a0c1b3d4e5f60' }) })
      .nullable(),
    params: z.record(z.string(), z.unknown()).openapi({ example: {} }),
    attempts: z.number().int(),
    createdAt: z.string().openapi({ example: '2025-03-14T02:00:00.120Z' }),
    startedAt: z.string().nullable().openapi({ example: '2025-03-14T02:00:00.180Z' }),
    updatedAt: z.string().openapi({ example: '2025-03-14T02:00:06.020Z' }),
    finishedAt: z.string().nullable().openapi({ example: null }),
    resumeAt: z.string().nullable().openapi({ description: "a paused job's automatic restart (after WeChat's daily quota resets)", example: null }),
  })
  .openapi('Job', { example: JOB_EXAMPLE });

const Accepted = z
  .object({
    jobId: z.string().uuid().openapi({ example: EXAMPLE.jobId }),
    warnings: z.array(z.string()).openapi({ example: [] }),
  })
  .openapi('JobAccepted', { example: { jobId: EXAMPLE.jobId, warnings: [] } });

const MigrationBody = z
  .object({
    fromAppid: z.string().min(1).max(64).openapi({ description: "the OLD account: its appid or gh_ original id", example: EXAMPLE.oaAppid }),
    toAppid: z.string().min(1).max(64).openapi({ description: 'the NEW account (configured; its token calls changeopenid)', example: EXAMPLE.newOaAppid }),
    dryRun: z.boolean().default(false),
    all: z.boolean().default(false).openapi({ description: 'every openid of the old account the ledger knows, not only its followers' }),
    backfill: z.boolean().default(false).openapi({ description: 'queue a unionid backfill of the new account when done' }),
    openids: z
      .array(z.string().min(1).max(128).openapi({ example: EXAMPLE.openid }))
      .max(100_000)
      .optional()
      .openapi({ description: 'openids captured from the old account before it was frozen' }),
  })
  .openapi('MigrationRequest', { example: { fromAppid: EXAMPLE.oaAppid, toAppid: EXAMPLE.newOaAppid, dryRun: true, all: false, backfill: true } });

const JobIdParam = z.object({ id: z.string().min(1).max(64).openapi({ param: { name: 'id', in: 'path' }, example: EXAMPLE.jobId }) });

const JobsQuery = z.object({
  kind: JobKind.optional(),
  appid: z.string().max(64).optional().openapi({ example: EXAMPLE.oaAppid }),
  status: JobStatus.optional(),
  limit: z.coerce.number().int().min(1).max(500).optional().openapi({ description: 'default 50', example: 20 }),
});

const accepted = {
  description: 'the job was queued; follow it at /v1/jobs/{jobId} (also the `Location` header)',
  headers: z.object({ location: z.string().openapi({ example: `/v1/jobs/${EXAMPLE.jobId}` }) }),
  content: { 'application/json': { schema: Accepted } },
};

/** What every job request can meet: the key, the database, an unfinished job of the same kind. */
const jobRequestRefusals = (scope: string, forbidden: string): ErrorSpec => ({
  401: { unauthorized: null },
  403: { forbidden: `the key lacks the \`${scope}\` scope, or ${forbidden}` },
  409: { job_already_running: null },
});

/** A job on the account in the path, which must be an Official Account. */
const officialAccountJob = (what: string) =>
  errorResponses(ERRORS.internal, ERRORS.postWithoutBody, ERRORS.database, jobRequestRefusals('admin', 'is limited to other appids'), {
    400: { invalid_request: '`appid` is longer than 64 characters', not_an_official_account: `the account is a mini program or web app: ${what} needs an Official Account` },
    404: { unknown_appid: 'the appid is not configured' },
  });

/** A job named by id: a key limited to appids sees only its accounts' jobs. */
const JOB_LIMIT = { accepted: true, checks: ["the job's accounts"], rule: "accepted for jobs of the key's accounts (both accounts, for a conversion); another account's job is 403 `forbidden`." };

/** The long-running jobs: start them (202 + job id), follow them, resume them. */
export function jobRoutes(service: Service, requireScope: ReturnType<typeof createAuth>) {
  const app = new OpenAPIHono();
  const accept = (c: Context, { job, warnings }: RequestedJob) => {
    c.header('location', `/v1/jobs/${job.id}`);
    return c.json({ jobId: job.id, warnings }, 202);
  };

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/accounts/{appid}/reconciliations',
      tags: ['Jobs'],
      summary: "Reconcile an Official Account's follow state with WeChat's follower list",
      ...routeAccess(
        requireScope,
        'admin',
        APPID_LIMITS.path,
        'Queues a reconciliation: pages `cgi-bin/user/get` to the end, diffs the list against follow state and appends corrective `follow.subscribed` / `follow.unsubscribed` (source `reconciliation`), then `reconciliation.completed`. One per account at a time; resumable.',
      ),
      request: { params: appidParam(EXAMPLE.oaAppid, 'a configured Official Account') },
      responses: { 202: accepted, ...officialAccountJob('reconciliation (user/get)') },
    }),
    async (c) => accept(c, await requestReconciliation(service, c.req.valid('param').appid)),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/accounts/{appid}/unionid-backfills',
      tags: ['Jobs'],
      summary: 'Look up the unionid of every openid of the account that lacks one (user/info/batchget)',
      ...routeAccess(
        requireScope,
        'admin',
        APPID_LIMITS.path,
        'Queues a unionid backfill: every known openid of the account without a unionid goes through `user/info/batchget`, 100 a call; each answer is `unionid.resolved` (via `batchget`). One per account at a time; resumable.',
      ),
      request: { params: appidParam(EXAMPLE.oaAppid, 'a configured Official Account') },
      responses: { 202: accepted, ...officialAccountJob('the unionid backfill (user/info/batchget)') },
    }),
    async (c) => accept(c, await requestUnionidBackfill(service, c.req.valid('param').appid)),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/migrations',
      tags: ['Jobs'],
      summary: "Convert the old account's openids to the new account's after a migration (changeopenid)",
      ...routeAccess(
        requireScope,
        'admin',
        { accepted: true, checks: ['body toAppid', 'body fromAppid'], rule: 'accepted when both accounts (`toAppid`, and `fromAppid` resolved to its appid) are among the key\'s (403 `forbidden` otherwise).' },
        "Queues an openid conversion after an account migration (主体变更): the old account's openids go through `cgi-bin/changeopenid` with the new account's token, 100 a call; each result is `openid.converted` or `openid.conversion_failed`. Refused outside the 15-day window after `migratedFrom.migratedAt`; a warning when no migration date is configured.",
      ),
      request: { body: { content: { 'application/json': { schema: MigrationBody } }, required: true } },
      responses: {
        202: accepted,
        ...errorResponses(ERRORS.internal, ERRORS.jsonBody, ERRORS.database, jobRequestRefusals('admin', 'is not allowed both accounts'), {
          400: {
            not_an_official_account: '`toAppid` is not an Official Account',
            unknown_original_id: null,
            same_account: null,
            migration_mismatch: null,
            outside_migration_window: null,
            invalid_openid_list: null,
          },
          404: { unknown_appid: '`toAppid` is not configured' },
        }),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      requireAppids(c, [body.toAppid, oldAppidOf(body.fromAppid, body.toAppid)]);
      return accept(c, await requestConversion(service, body));
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/jobs/{id}',
      tags: ['Jobs'],
      summary: 'A job: status, progress, rate, ETA, result or error',
      ...routeAccess(requireScope, 'read', JOB_LIMIT, 'A job as it runs: status, phase, progress with rate and ETA, and when finished its result or error.'),
      request: { params: JobIdParam },
      responses: {
        200: { description: 'the job', content: { 'application/json': { schema: JobSchema } } },
        ...errorResponses(ERRORS.internal, ERRORS.database, {
          400: { invalid_request: '`id` is longer than 64 characters' },
          401: { unauthorized: null },
          403: { forbidden: "the key lacks the `read` scope, or the job is another account's" },
          404: { job_not_found: null },
        }),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const job = await getJob(service.storage.db, id);
      if (!job) throw JobRefusal.notFound(id);
      requireAppids(c, appidsOf(job));
      return c.json(jobView(job), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/jobs',
      tags: ['Jobs'],
      summary: 'Recent jobs, newest first',
      ...routeAccess(
        requireScope,
        'read',
        { accepted: true, checks: ['query appid'], rule: "accepted; `?appid=` must be one of the key's (403 `forbidden` otherwise), and the list holds only jobs of the key's accounts." },
        'Recent jobs, newest first, optionally of one kind, account or status.',
      ),
      request: { query: JobsQuery },
      responses: {
        200: { description: 'jobs', content: { 'application/json': { schema: z.object({ jobs: z.array(JobSchema) }).openapi({ example: { jobs: [JOB_EXAMPLE] } }) } } },
        ...errorResponses(ERRORS.internal, ERRORS.database, {
          400: { invalid_request: '`kind`, `status`, `appid` or `limit` is not valid' },
          401: { unauthorized: null },
          403: { forbidden: 'the key lacks the `read` scope, or `?appid=` is not one of its appids' },
        }),
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      requireAppids(c, [query.appid]);
      const allowed = grantOf(c).appids;
      let jobs: Job[];
      if (allowed && !query.appid) {
        // A key limited to appids lists those accounts' jobs only: newest first across them.
        const perAppid = await Promise.all([...allowed].map((appid) => listJobs(service.storage.db, { ...query, appid })));
        jobs = perAppid.flat().sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0)).slice(0, query.limit ?? 50);
      } else {
        jobs = await listJobs(service.storage.db, query);
      }
      return c.json({ jobs: jobs.filter((job) => appidsOf(job).every((appid) => maySee(c, appid))).map((job) => jobView(job)) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/jobs/{id}/resume',
      tags: ['Jobs'],
      summary: 'Resume a paused or failed job from where it stopped',
      ...routeAccess(requireScope, 'admin', JOB_LIMIT, 'Queues a paused or failed job again; it continues from its persisted cursor and work list, without redoing work.'),
      request: { params: JobIdParam },
      responses: {
        202: accepted,
        ...errorResponses(ERRORS.internal, ERRORS.postWithoutBody, ERRORS.database, jobRequestRefusals('admin', "the job is another account's"), {
          400: { invalid_request: '`id` is longer than 64 characters' },
          404: { job_not_found: null },
          409: { job_not_resumable: null, job_already_running: 'another job of the same kind is unfinished for the account' },
        }),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const existing = await getJob(service.storage.db, id);
      if (existing) requireAppids(c, appidsOf(existing));
      const job = await requeueJob(service.storage, id);
      return accept(c, { job, warnings: [] });
    },
  );
  /** The old account of a migration request, as the job would resolve it (for the appid check). */
  function oldAppidOf(fromAppid: string, toAppid: string): string {
    const to = service.accounts.get(toAppid);
    const sides = to ? resolveMigration(service.config.accounts, to, fromAppid) : null;
    return sides?.ok ? sides.oldAppid : fromAppid;
  }
  return app;
}

/** Every account a job acts on: its own, and for a conversion the old account too. */
function appidsOf(job: Job): string[] {
  const old = job.params.oldAppid;
  return typeof old === 'string' ? [job.appid, old] : [job.appid];
}
