import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { swaggerUI } from '@hono/swagger-ui';
import { errorResponses } from './schemas.ts';
import { assetNotFound, cachedFileReader } from './staticAssets.ts';

/** Where the page's assets are served from: `${ASSETS}/swagger-ui-dist/<file>`, as @hono/swagger-ui builds the URLs. */
const ASSETS = '/docs';

/** The only files the page loads (swagger-ui-dist ships more; nothing else is served). */
const FILES: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
};

/**
 * `/docs`: Swagger UI over `/openapi.json`, with its assets served from the swagger-ui-dist
 * package instead of a CDN — a CDN is unreliable from mainland China and absent offline, and
 * then the page was blank. The validator badge (a request to swagger.io) is off for the same reason.
 */
export function docsRoutes() {
  const app = new OpenAPIHono();
  documentDocs(app);
  const dist = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist'));
  const load = cachedFileReader();

  app.get('/docs', swaggerUI({ url: '/openapi.json', baseUrl: ASSETS, validatorUrl: 'none', title: 'WeChat identity ledger API' }));
  app.get(`${ASSETS}/swagger-ui-dist/:file`, async (c) => {
    const file = c.req.param('file');
    const type = Object.hasOwn(FILES, file) ? FILES[file] : undefined;
    if (!type) return assetNotFound(c, file);
    c.header('content-type', type);
    // The file changes only with the package version, which a deploy changes; a day is plenty.
    c.header('cache-control', 'public, max-age=86400');
    return c.body(new Uint8Array(await load(join(dist, file))));
  });
  return app;
}

function documentDocs(app: OpenAPIHono): void {
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/docs',
    tags: ['Documentation'],
    summary: 'Swagger UI over /openapi.json, served by the service (works offline)',
    security: [],
    responses: { 200: { description: 'the page', content: { 'text/html': { schema: z.string().openapi({ example: '<!doctype html><html lang="en"><head><title>WeChat identity ledger API</title>' }) } } } },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: `${ASSETS}/swagger-ui-dist/{file}`,
    tags: ['Documentation'],
    summary: "The page's assets, from the swagger-ui-dist package",
    security: [],
    request: { params: z.object({ file: z.enum(Object.keys(FILES) as [string, ...string[]]).openapi({ param: { name: 'file', in: 'path' }, example: 'swagger-ui.css' }) }) },
    responses: {
      200: {
        description: 'the asset (cached for a day)',
        content: {
          'text/css': { schema: z.string().openapi({ example: '.swagger-ui{color:#3b4151;font-family:sans-serif}' }) },
          'text/javascript': { schema: z.string().openapi({ example: '/*! For license information please see swagger-ui-bundle.js.LICENSE.txt */' }) },
        },
      },
      ...errorResponses({ 404: { not_found: 'any other file' } }),
    },
  });
}
