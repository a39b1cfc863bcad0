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
import { AppidParam, errorResponses } from './schemas.ts';

const JobSchema = z
  .object({
    id: z.string().uuid(),
    kind: JobKind,
    appid: z.string(),
    status: JobStatus,
    phase: z.string(),
    progress: z.object({ done: z.number().int(), total: z.number().int().nullable() }),
    rate: z.number().nullable().openapi({ description: 'items per second of the current phase' }),
    eta: z.string().nullable().openapi({ description: 'when the current phase should end at this rate' }),
    etaSeconds: z.number().int().nullable(),
    result: z.record(z.string(), z.unknown()).nullable(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    params: z.record(z.string(), z.unknown()),
    attempts: z.number().int(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    updatedAt: z.string(),
    finishedAt: z.string().nullable(),
    resumeAt: z.string().nullable(),
  })
  .openapi('Job');

const Accepted = z.object({ jobId: z.string().uuid(), warnings: z.array(z.string()) }).openapi('JobAccepted');

const MigrationBody = z
  .object({
    fromAppid: z.string().min(1).max(64).openapi({ description: "the OLD account: its appid or gh_ original id" }),
    toAppid: z.string().min(1).max(64).openapi({ description: 'the NEW account (configured; its token calls changeopenid)' }),
    dryRun: z.boolean().default(false),
    all: z.boolean().default(false).openapi({ description: 'every openid of the old account the ledger knows, not only its followers' }),
    backfill: z.boolean().default(false).openapi({ description: 'queue a unionid backfill of the new account when done' }),
    openids: z.array(z.string().min(1).max(128)).max(100_000).optional().openapi({ description: 'openids captured from the old account before it was frozen' }),
  })
  .openapi('MigrationRequest');

const JobIdParam = z.object({ id: z.string().min(1).max(64).openapi({ param: { name: 'id', in: 'path' } }) });

const JobsQuery = z.object({
  kind: JobKind.optional(),
  appid: z.string().max(64).optional(),
  status: JobStatus.optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});

const accepted = { description: 'the job was queued; follow it at /v1/jobs/{jobId}', content: { 'application/json': { schema: Accepted } } };

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
      summary: "Reconcile an Official Account's follow state with WeChat's follower list",
      middleware: [requireScope('admin')] as const,
      security: [{ bearer: [] }],
      request: { params: AppidParam },
      responses: { 202: accepted, ...errorResponses(400, 401, 403, 404, 409, 503) },
    }),
    async (c) => accept(c, await requestReconciliation(service, c.req.valid('param').appid)),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/accounts/{appid}/unionid-backfills',
      summary: 'Look up the unionid of every openid of the account that lacks one (user/info/batchget)',
      middleware: [requireScope('admin')] as const,
      security: [{ bearer: [] }],
      request: { params: AppidParam },
      responses: { 202: accepted, ...errorResponses(400, 401, 403, 404, 409, 503) },
    }),
    async (c) => accept(c, await requestUnionidBackfill(service, c.req.valid('param').appid)),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/migrations',
      summary: "Convert the old account's openids to the new account's after a migration (changeopenid)",
      middleware: [requireScope('admin')] as const,
      security: [{ bearer: [] }],
      request: { body: { content: { 'application/json': { schema: MigrationBody } }, required: true } },
      responses: { 202: accepted, ...errorResponses(400, 401, 403, 404, 409, 503) },
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
      summary: 'A job: status, progress, rate, ETA, result or error',
      middleware: [requireScope('read')] as const,
      security: [{ bearer: [] }],
      request: { params: JobIdParam },
      responses: { 200: { description: 'the job', content: { 'application/json': { schema: JobSchema } } }, ...errorResponses(401, 403, 404, 503) },
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
      summary: 'Recent jobs, newest first',
      middleware: [requireScope('read')] as const,
      security: [{ bearer: [] }],
      request: { query: JobsQuery },
      responses: { 200: { description: 'jobs', content: { 'application/json': { schema: z.object({ jobs: z.array(JobSchema) }) } } }, ...errorResponses(400, 401, 403, 503) },
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
      summary: 'Resume a paused or failed job from where it stopped',
      middleware: [requireScope('admin')] as const,
      security: [{ bearer: [] }],
      request: { params: JobIdParam },
      responses: { 202: accepted, ...errorResponses(401, 403, 404, 409, 503) },
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
