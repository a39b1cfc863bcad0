import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Service } from '../createService.ts';
import { verifyProjections } from '../../projections/verifyProjections.ts';
import { errorResponses } from './schemas.ts';
import { HttpError } from './errorResponse.ts';
import { requireUnlimitedKey, type createAuth } from './auth.ts';
import { isProjectionName, PROJECTION_NAMES } from '../../projections/projection.ts';

/** The read side's operations: status and lag, blue/green rebuild, and verification. */
export function projectionRoutes(service: Service, requireScope: ReturnType<typeof createAuth>) {
  const app = new OpenAPIHono();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/projections',
      summary: 'Each projection: active version, checkpoint, lag behind the ledger head, rebuild in progress',
      middleware: [requireScope('read')] as const,
      security: [{ bearer: [] }],
      responses: {
        200: { description: 'status', content: { 'application/json': { schema: z.object({ projections: z.array(z.record(z.string(), z.unknown())) }) } } },
        ...errorResponses(401, 403),
      },
    }),
    (c) => c.json({ projections: service.projections.status() as unknown as Record<string, unknown>[] }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/projections/{name}/rebuild',
      summary: 'Rebuild a projection from position 0 into new tables; the old ones serve until the switch',
      middleware: [requireScope('admin')] as const,
      security: [{ bearer: [] }],
      request: { params: z.object({ name: z.string().openapi({ param: { name: 'name', in: 'path' }, example: 'follow-state' }) }) },
      responses: {
        202: { description: 'rebuild started (or joined)', content: { 'application/json': { schema: z.object({ name: z.string(), version: z.number().int() }) } } },
        ...errorResponses(401, 403, 404),
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
      summary: "Recompute the ledger's hash chain and compare each projection with a fresh fold",
      middleware: [requireScope('admin')] as const,
      security: [{ bearer: [] }],
      responses: {
        200: {
          description: 'ok is false when the chain is broken (brokenAt = first bad position) or a projection differs',
          content: { 'application/json': { schema: z.object({ ok: z.boolean(), ledger: z.record(z.string(), z.unknown()), projections: z.array(z.record(z.string(), z.unknown())) }) } },
        },
        ...errorResponses(401, 403),
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
