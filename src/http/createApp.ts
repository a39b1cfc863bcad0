import { OpenAPIHono } from '@hono/zod-openapi';
import { routePath } from 'hono/route';
import type { Service } from '../createService.ts';
import { createAuth } from './auth.ts';
import { errorResponse } from './errorResponse.ts';
import { limitBody } from './limitBody.ts';
import { demoGuard } from './demoGuard.ts';
import { requestLog } from './requestLog.ts';
import { callbackRoutes } from './callbackRoutes.ts';
import { loginRoutes } from './loginRoutes.ts';
import { eventRoutes } from './eventRoutes.ts';
import { healthRoutes } from './healthRoutes.ts';
import { queryRoutes } from './queryRoutes.ts';
import { projectionRoutes } from './projectionRoutes.ts';
import { erasureRoutes } from './erasureRoutes.ts';
import { statsRoutes } from './statsRoutes.ts';
import { dashboardRoutes } from './dashboardRoutes.ts';
import { docsRoutes } from './docsRoutes.ts';
import { asyncapiRoute } from './asyncapiRoute.ts';
import { serveOpenApiDocument } from './openapiDocument.ts';

export type RouteModule = (service: Service, requireScope: ReturnType<typeof createAuth>) => OpenAPIHono;

/**
 * The hono app: thin handlers (parse → command → respond), one module per area, errors as
 * `{error: {code, message}}` with stable codes, an OpenAPI document generated from the zod
 * schemas. `extraRoutes` lets the read side and the jobs plug in their areas.
 */
export function createApp(service: Service, extraRoutes: RouteModule[] = []) {
  const app = new OpenAPIHono({
    defaultHook(result, c) {
      if (!result.success) {
        const message = result.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
        return c.json({ error: { code: 'invalid_request', message } }, 400);
      }
    },
  });
  const requireScope = createAuth(service.config.apiKeys);
  app.use('*', requestLog(service.logger, service.metrics));
  // The published demo key must not be usable from a web page (DNS rebinding, cross-origin).
  if (service.config.usingDemoConfig) app.use('*', demoGuard(service.config.port));
  app.use('/v1/*', limitBody(service.config.bodyLimitBytes));
  app.onError((error, c) => {
    const { status, body, expected } = errorResponse(error);
    // The route pattern, not the path: paths carry openids and unionids.
    if (!expected) service.logger.error({ err: error, route: routePath(c, -1) || 'unmatched' }, 'unhandled error');
    return c.json(body, status as 400);
  });
  app.notFound((c) => c.json({ error: { code: 'not_found', message: `no route for ${c.req.method} ${c.req.path}` } }, 404));

  app.route('/', healthRoutes(service));
  app.route('/', callbackRoutes(service));
  app.route('/', loginRoutes(service, requireScope));
  app.route('/', eventRoutes(service, requireScope));
  app.route('/', queryRoutes(service, requireScope));
  app.route('/', projectionRoutes(service, requireScope));
  app.route('/', erasureRoutes(service, requireScope));
  app.route('/', statsRoutes(service, requireScope));
  for (const routes of extraRoutes) app.route('/', routes(service, requireScope));

  serveOpenApiDocument(app);
  app.route('/', docsRoutes());
  app.route('/', dashboardRoutes());
  app.route('/', asyncapiRoute());
  return app;
}
