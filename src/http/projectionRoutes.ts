import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Service } from '../createService.ts';
import { verifyProjections } from '../../projections/verifyProjections.ts';
import { ERRORS, errorResponses } from './schemas.ts';
import { HttpError } from './errorResponse.ts';
import { requireUnlimitedKey, type createAuth } from './auth.ts';
import { isProjectionName, PROJECTION_NAMES } from '../../projections/projection.ts';
import { APPID_LIMITS, routeAccess } from './routeAccess.ts';
import { EXAMPLE } from './openapiExamples.ts';

const STATUS_EXAMPLE = {
  projections: [
    { name: 'identity-links', version: 3, codeVersion: 3, checkpoint: 4822, head: 4822, lag: 0, leader: true, rebuilding: null, failing: false },
    { name: 'follow-state', version: 2, codeVersion: 2, checkpoint: 4815, head: 4822, lag: 7, leader: true, rebuilding: { version: 3, checkpoint: 2100 }, failing: false },
  ],
};

const VERIFY_EXAMPLE = {
  ok: true,
  ledger: { ok: true, checked: 4822, head: 4822, headHash: EXAMPLE.hash },
  projections: [
    { name: 'identity-links', ok: true, checked: 12_419, differences: [], count: 0, version: 3, checkpoint: 4822 },
    { name: 'follow-state', ok: true, checked: 10_482, differences: [], count: 0, version: 2, checkpoint: 4822 },
  ],
};

/** The read side's operations: status and lag, blue/green rebuild, and verification. */
export function projectionRoutes(service: Service, requireScope: ReturnType<typeof createAuth>) {
  const app = new OpenAPIHono();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/projections',
      tags: ['Projections'],
      summary: 'Each projection: active version, checkpoint, lag behind the ledger head, rebuild in progress',
      ...routeAccess(
        requireScope,
        'read',
        { accepted: true, checks: [], rule: 'accepted: the answer is about the projections, not about any account.' },
        "This instance's view of each projection: the version serving queries, its checkpoint and lag behind the ledger head, whether this instance leads it, a rebuild in progress and whether it is failing (`failing`: a flag, like /readyz — the error text goes to the service log, never to a response, where it could name hosts, ports or SQL).",
      ),
      responses: {
        200: {
          description: 'status',
          content: { 'application/json': { schema: z.object({ projections: z.array(z.record(z.string(), z.unknown())) }).openapi({ example: STATUS_EXAMPLE }) } },
        },
        ...errorResponses(ERRORS.internal, { 401: { unauthorized: null }, 403: { forbidden: 'the key lacks the `read` scope' } }),
      },
    }),
    async (c) => {
      const statuses = await service.projections.reportedStatus();
      return c.json(
        {
          // The error text is logged where it happens (the projection runner's onError), never answered.
          projections: statuses.map(({ lastError, ...status }) => ({ ...status, failing: lastError !== null })) as unknown as Record<string, unknown>[],
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/projections/{name}/rebuild',
      tags: ['Projections'],
      summary: 'Rebuild a projection from position 0 into new tables; the old ones serve until the switch',
      ...routeAccess(
        requireScope,
        'admin',
        APPID_LIMITS.everyAccount('a rebuild'),
        'Starts a blue/green rebuild (or joins the one under way): the new version folds the ledger from position 0 into new tables while the old version answers queries, then catches up and switches atomically. Follow it at GET /v1/projections.',
      ),
      request: { params: z.object({ name: z.string().openapi({ param: { name: 'name', in: 'path' }, description: PROJECTION_NAMES.join(' or '), example: 'follow-state' }) }) },
      responses: {
        202: {
          description: 'rebuild started (or joined)',
          content: {
            'application/json': {
              schema: z.object({ name: z.string().openapi({ example: 'follow-state' }), version: z.number().int().openapi({ description: 'the version being built', example: 3 }) }),
            },
          },
        },
        ...errorResponses(ERRORS.internal, ERRORS.postWithoutBody, ERRORS.database, {
          401: { unauthorized: null },
          403: { forbidden: 'the key lacks the `admin` scope, or is limited to appids' },
          404: { unknown_projection: null },
        }),
      },
    }),
    async (c) => {
      requireUnlimitedKey(c, 'a rebuild (it folds every account)');
      const name = c.req.valid('param').name;
      if (!isProjectionName(name)) throw new HttpError(404, 'unknown_projection', `no projection named ${name} (${PROJECTION_NAMES.join(', ')})`);
      const started = await service.projections.rebuild(name, { wait: false });
      return c.json(started, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/ledger/verify',
      tags: ['Projections'],
      summary: "Recompute the ledger's hash chain and compare each projection with a fresh fold",
      ...routeAccess(
        requireScope,
        'admin',
        APPID_LIMITS.everyAccount('verification'),
        "Walks the whole hash chain (`ledger.brokenAt` is the first bad position, with `reason`) and folds each projection afresh to compare with its live tables (`differences`). Reads the whole ledger: it takes as long as a rebuild.",
      ),
      responses: {
        200: {
          description: 'ok is false when the chain is broken (brokenAt = first bad position) or a projection differs',
          content: {
            'application/json': {
              schema: z
                .object({ ok: z.boolean(), ledger: z.record(z.string(), z.unknown()), projections: z.array(z.record(z.string(), z.unknown())) })
                .openapi({ example: VERIFY_EXAMPLE }),
            },
          },
        },
        ...errorResponses(ERRORS.internal, ERRORS.projections, {
          401: { unauthorized: null },
          403: { forbidden: 'the key lacks the `admin` scope, or is limited to appids' },
        }),
      },
    }),
    async (c) => {
      requireUnlimitedKey(c, 'verification (it reads every account)');
      const ledger = await service.ledger.verify();
      const projections = await verifyProjections(service.ledger, service.projectionContext);
      const ok = ledger.ok && projections.every((p) => p.ok);
      return c.json({ ok, ledger: ledger as unknown as Record<string, unknown>, projections: projections as unknown as Record<string, unknown>[] }, 200);
    },
  );
  return app;
}
