import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { errorResponses } from './schemas.ts';
import { assetNotFound, cachedFileReader } from './staticAssets.ts';

const here = join(dirname(fileURLToPath(import.meta.url)), 'dashboard');
const uplot = dirname(createRequire(import.meta.url).resolve('uplot'));

/** Every file the page loads, and where it comes from: the page's own, and uPlot's from its package. */
const ASSETS: Record<string, { path: string; type: string }> = {
  'dashboard.js': { path: join(here, 'dashboard.js'), type: 'text/javascript; charset=utf-8' },
  'dashboard.css': { path: join(here, 'dashboard.css'), type: 'text/css; charset=utf-8' },
  'uPlot.iife.min.js': { path: join(uplot, 'uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  'uPlot.min.css': { path: join(uplot, 'uPlot.min.css'), type: 'text/css; charset=utf-8' },
};

/**
 * The page may load only its own files and talk only to this service: an injected script (a
 * scene string is text WeChat users choose, shown on the page) could otherwise read the API key
 * the page holds. The page writes every value with textContent, never as HTML.
 */
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/**
 * `/dashboard`: a static page and its assets, all served by the service (uPlot from its npm
 * package: no CDN, which is unreliable from mainland China and absent offline). The page itself
 * is public; every figure comes from the keyed JSON API, the key typed into the page and sent as
 * an `Authorization` header, never in a URL.
 */
export function dashboardRoutes() {
  const app = new OpenAPIHono();
  documentDashboard(app);
  const load = cachedFileReader();

  app.get('/dashboard', async (c) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.header(name, value);
    c.header('cache-control', 'no-cache');
    return c.html(new TextDecoder().decode(await load(join(here, 'index.html'))));
  });
  app.get('/dashboard/assets/:file', async (c) => {
    const file = c.req.param('file');
    const asset = Object.hasOwn(ASSETS, file) ? ASSETS[file] : undefined;
    if (!asset) return assetNotFound(c, file);
    c.header('content-type', asset.type);
    c.header('x-content-type-options', 'nosniff');
    // The page's own files change with a deploy: revalidate them; a day is fine for the library.
    c.header('cache-control', file.startsWith('uPlot') ? 'public, max-age=86400' : 'no-cache');
    return c.body(new Uint8Array(await load(asset.path)));
  });
  return app;
}

function documentDashboard(app: OpenAPIHono): void {
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/dashboard',
    tags: ['Follower statistics'],
    summary: 'The follower dashboard (a static page; its data comes from the keyed API)',
    description: 'Public static HTML. The page asks for an API key with the `read` scope and sends it as `Authorization: Bearer …` to `/v1/accounts`, `/v1/accounts/{appid}/stats/daily`, `…/stats/scenes`, `…/stats`, `/v1/jobs` and `/v1/projections`; the key stays in the tab (sessionStorage), never in a URL.',
    security: [],
    responses: { 200: { description: 'the page', content: { 'text/html': { schema: z.string().openapi({ example: '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Followers — WeChat identity ledger</title>' }) } } } },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/dashboard/assets/{file}',
    tags: ['Follower statistics'],
    summary: "The dashboard's scripts and styles, uPlot's from its npm package",
    security: [],
    request: { params: z.object({ file: z.enum(Object.keys(ASSETS) as [string, ...string[]]).openapi({ param: { name: 'file', in: 'path' }, example: 'dashboard.js' }) }) },
    responses: {
      200: {
        description: 'the asset',
        content: {
          'text/javascript': { schema: z.string().openapi({ example: "'use strict';" }) },
          'text/css': { schema: z.string().openapi({ example: 'body{font-family:system-ui,sans-serif}' }) },
        },
      },
      ...errorResponses({ 404: { not_found: 'any other file' } }),
    },
  });
}
