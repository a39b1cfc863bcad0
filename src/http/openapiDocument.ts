import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { asyncapiDocument } from '../bus/asyncapiDocument.ts';

const SCOPES = {
  read: 'queries, the audit trail, projection status, jobs (read)',
  write: 'logins: mini program, reported, web OAuth',
  admin: 'everything, and jobs, rebuilds, verification, erasures',
};

/**
 * `/openapi.json`: the OpenAPI 3.1 document of every route, generated from the zod schemas the
 * routes validate with, plus the bearer scheme and the routes documented by hand (callbacks,
 * probes, documents). 3.1 rather than 3.0 because only 3.1 lets a security requirement of an
 * http scheme name roles — how each operation states the API-key scope it needs (routeAccess.ts).
 */
export function serveOpenApiDocument(app: OpenAPIHono): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description:
      'An API key from the configuration (`apiKeys`), as `Authorization: Bearer <key>`. Its `scopes` are roles: ' +
      Object.entries(SCOPES).map(([scope, what]) => `\`${scope}\` — ${what}`).join('; ') +
      '. `admin` implies every scope. Each operation names the one it needs in its security requirement (`bearer: [scope]`) and in `x-required-scope`. ' +
      "A key with `appids` is limited to those accounts: each operation's `x-appid-limited-keys` says whether it accepts such a key and which appids of the request it checks. " +
      '401 `unauthorized` without a valid key, 403 `forbidden` with the wrong scope or account.',
    'x-scopes': SCOPES,
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/openapi.json',
    tags: ['Documentation'],
    summary: 'This document',
    security: [],
    responses: { 200: { description: 'OpenAPI 3.1', content: { 'application/json': { schema: z.record(z.string(), z.unknown()).openapi({ example: { openapi: '3.1.0', info: { title: 'WeChat identity ledger', version: '1' } } }) } } } },
  });
  const asyncapi = asyncapiDocument() as { asyncapi?: string; info?: unknown };
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/asyncapi.json',
    tags: ['Documentation'],
    summary: 'AsyncAPI 3.0 document of the NATS subjects and event schemas (identity.events.<type>.<appid>)',
    security: [],
    responses: {
      200: {
        description: 'the document checked in as schemas/asyncapi.json',
        content: { 'application/json': { schema: z.record(z.string(), z.unknown()).openapi({ example: { asyncapi: asyncapi.asyncapi, info: asyncapi.info } }) } },
      },
    },
  });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'WeChat identity ledger',
      version: '1',
      description:
        'Who your WeChat users are across Official Accounts, Mini Programs and web OAuth, and whether they follow you.\n\n' +
        '**Authentication.** Application routes (`/v1/…`) take an API key (`Authorization: Bearer <key>`); each operation states its scope (`read`, `write`, `admin`) and how it treats a key limited to appids. ' +
        'The WeChat-facing callback (`/wechat/{appid}/callback`) is authenticated by WeChat signatures instead, and the probes and documents by nothing.\n\n' +
        '**Errors** are `{"error": {"code", "message"}}`: branch on `code`, which is stable; each response lists the codes the route can return with that status (`not_found` for a path no route has). ' +
        'Messages are English and may change.',
    },
    tags: [
      { name: 'Logins', description: 'Mini program login, logins the app verified, web OAuth (scope write)' },
      { name: 'Users and follow state', description: 'Who a user is across apps, and whether they follow (scope read)' },
      { name: 'Audit trail', description: 'The ledger, in position order (scope read)' },
      { name: 'Follower statistics', description: 'Daily follower counts, QR scene cohorts, reconciliation drift: the dashboard\'s numbers (scope read)' },
      { name: 'Jobs', description: 'Reconciliation, unionid backfill, openid conversion after a migration' },
      { name: 'Erasure', description: 'Forgetting a person on request (PIPL art. 47; scope admin)' },
      { name: 'Projections', description: 'Status, rebuild, verification' },
      { name: 'WeChat callbacks', description: 'Called by WeChat (signed), not by API clients' },
      { name: 'Operations', description: 'Probes and metrics, unauthenticated' },
      { name: 'Documentation', description: 'This document, Swagger UI, the AsyncAPI document' },
    ],
    security: [{ bearer: [] }],
  });
}
