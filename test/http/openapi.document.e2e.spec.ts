import SwaggerParser from '@apidevtools/swagger-parser';
import type { OpenAPIV3_1 } from 'openapi-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/createApp.ts';
import { ERROR_CATALOG, type ErrorCode } from '../../src/http/errorCatalog.ts';
import { jobRoutes } from '../../src/http/jobRoutes.ts';
import { EVENT_TYPES } from '../../src/ledger/events.ts';
import { startE2E, type E2E } from '../support/e2eHarness.ts';

type Json = Record<string, any>;
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** Every operation of the document as `METHOD /path` → operation. */
function operations(doc: Json): Map<string, Json> {
  const ops = new Map<string, Json>();
  for (const [path, item] of Object.entries<Json>(doc.paths)) {
    for (const method of METHODS) if (item[method]) ops.set(`${method.toUpperCase()} ${path}`, item[method]);
  }
  return ops;
}

/**
 * Where a reader of /docs would see a placeholder: string schemas (reached from a parameter, a
 * request or a response, through $refs, properties, items and unions) with no example, enum or
 * const of their own, under no schema or media type that has an example. Swagger UI fills those
 * with the word "string".
 */
function placeholders(doc: Json): string[] {
  const found: string[] = [];
  const resolve = (schema: Json): Json => (schema.$ref ? doc.components.schemas[schema.$ref.split('/').pop()] : schema);
  const walk = (schema: Json | undefined, where: string, covered: boolean, seen: Set<string>) => {
    if (!schema || typeof schema !== 'object') return;
    if (schema.$ref) {
      if (seen.has(schema.$ref)) return;
      return walk(resolve(schema), `${where}→${schema.$ref.split('/').pop()}`, covered, new Set([...seen, schema.$ref]));
    }
    const hasOwn = 'example' in schema || 'examples' in schema || 'enum' in schema || 'const' in schema;
    const here = covered || 'example' in schema || 'examples' in schema;
    const types = ([] as string[]).concat(schema.type ?? []);
    if (types.includes('string') && !here && !hasOwn) found.push(where);
    for (const [name, property] of Object.entries<Json>(schema.properties ?? {})) walk(property, `${where}.${name}`, here, seen);
    if (schema.items) walk(schema.items, `${where}[]`, here, seen);
    if (typeof schema.additionalProperties === 'object') walk(schema.additionalProperties, `${where}{}`, here, seen);
    for (const key of ['oneOf', 'anyOf', 'allOf'] as const) for (const [i, part] of (schema[key] ?? []).entries()) walk(part, `${where}<${key}${i}>`, here, seen);
  };
  const content = (media: Json | undefined, where: string) => {
    for (const [type, entry] of Object.entries<Json>(media ?? {})) walk(entry.schema, `${where} ${type}`, 'example' in entry || 'examples' in entry, new Set());
  };
  for (const [name, op] of operations(doc)) {
    for (const parameter of op.parameters ?? []) walk(parameter.schema, `${name} ${parameter.in}:${parameter.name}`, 'example' in parameter, new Set());
    content(op.requestBody?.content, `${name} body`);
    for (const [status, response] of Object.entries<Json>(op.responses)) content(response.content, `${name} ${status}`);
  }
  return found;
}

/** Every value of an `example` or `examples` anywhere in the document. */
function exampleValues(node: unknown, out: unknown[] = []): unknown[] {
  if (Array.isArray(node)) for (const item of node) exampleValues(item, out);
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'example') out.push(value);
      else if (key === 'examples') out.push(...(Array.isArray(value) ? value : Object.values(value as Json).map((e) => (e as Json).value ?? e)));
      exampleValues(value, out);
    }
  }
  return out;
}

const leaves = (value: unknown): unknown[] =>
  Array.isArray(value) ? value.flatMap(leaves) : value && typeof value === 'object' ? Object.values(value).flatMap(leaves) : [value];

describe('/openapi.json', () => {
  let e2e: E2E;
  let doc: Json;
  beforeAll(async () => {
    e2e = await startE2E();
    const response = await fetch(`${e2e.url}/openapi.json`);
    expect(response.status).toBe(200);
    doc = (await response.json()) as Json;
  });
  afterAll(async () => {
    await e2e?.close();
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    expect(doc.openapi).toBe('3.1.0');
    // validate() dereferences in place: hand it a copy.
    await expect(SwaggerParser.validate(structuredClone(doc) as OpenAPIV3_1.Document)).resolves.toBeTruthy();
  });

  it('lists every route the app serves, and nothing else', () => {
    // The app as startServer builds it (createApp with the job routes).
    const app = createApp(e2e.server.service, [jobRoutes]);
    const served = new Set(
      app.routes.filter((route) => route.method !== 'ALL').map((route) => `${route.method} ${route.path.replaceAll(/:([A-Za-z0-9_]+)/g, '{$1}')}`),
    );
    expect([...operations(doc).keys()].sort()).toEqual([...served].sort());
    expect(served).toContain('GET /wechat/{appid}/callback');
    expect(served).toContain('POST /wechat/{appid}/callback');
    for (const probe of ['/healthz', '/readyz', '/metrics', '/asyncapi.json']) expect(served).toContain(`GET ${probe}`);
    // Grouped in /docs: each operation under one of the document's tags.
    const tags = new Set(doc.tags.map((tag: Json) => tag.name));
    for (const [name, op] of operations(doc)) expect(op.tags?.length === 1 && tags.has(op.tags[0]), name).toBe(true);
  });

  it('has a real example wherever Swagger UI would show a placeholder, and no example is the word "string"', () => {
    expect(placeholders(doc)).toEqual([]);
    // The check finds what it looks for: drop one example and it is named.
    const stripped = structuredClone(doc);
    delete stripped.components.schemas.ReportedLogin.properties.openid.example;
    expect(placeholders(stripped)).toEqual(['POST /v1/logins body application/json→ReportedLogin.openid']);
    const values = exampleValues(doc).flatMap(leaves);
    expect(values.length).toBeGreaterThan(200);
    expect(values.filter((value) => value === 'string')).toEqual([]);
  });

  it('names the scope of every application route, and how it treats keys limited to appids', () => {
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer', 'x-scopes': { read: expect.any(String), write: expect.any(String), admin: expect.any(String) } });
    for (const [name, op] of operations(doc)) {
      if (name.includes(' /v1/')) {
        const [requirement] = op.security;
        expect(op.security, name).toHaveLength(1);
        expect(['read', 'write', 'admin'], name).toContain(requirement.bearer[0]);
        expect(op['x-required-scope'], name).toBe(requirement.bearer[0]);
        expect(op.description, name).toContain(`**Scope:** \`${requirement.bearer[0]}\``);
        expect([true, false, 'partly'], name).toContain(op['x-appid-limited-keys'].accepted);
        expect(op.description, name).toContain('**Keys limited to appids:**');
      } else {
        // Callbacks (WeChat signatures), probes and documents take no API key.
        expect(op.security, name).toEqual([]);
      }
    }
  });

  it("lists, per error status, only codes of that status, each with an example body, and the route's own description", () => {
    const descriptions = new Map<string, string[]>();
    for (const [name, op] of operations(doc)) {
      for (const [status, response] of Object.entries<Json>(op.responses)) {
        // /readyz answers 503 with its readiness body, not an error.
        if (Number(status) < 400 || name === 'GET /readyz') continue;
        const media = response.content['application/json'];
        const codes: ErrorCode[] = media.schema.properties.error.properties.code.enum;
        expect(codes.length, `${name} ${status}`).toBeGreaterThan(0);
        for (const code of codes) {
          expect(ERROR_CATALOG[code].status as readonly number[], `${name} ${status} ${code}`).toContain(Number(status));
          expect(media.examples[code].value, `${name} ${status} ${code}`).toEqual({ error: { code, message: expect.any(String) } });
          expect(response.description, `${name} ${status}`).toContain(`\`${code}\``);
        }
        descriptions.set(`${status}`, [...(descriptions.get(`${status}`) ?? []), response.description]);
      }
    }
    // The old document gave every 401 WeChat's 40029 and every 403 a webhook's code.
    expect(operations(doc).get('GET /v1/events')!.responses['401'].content['application/json'].schema.properties.error.properties.code.enum).toEqual(['unauthorized']);
    expect(operations(doc).get('POST /wechat/{appid}/callback')!.responses['400'].content['application/json'].schema.properties.error.properties.code.enum).not.toContain(
      'invalid_signature',
    );
    expect(new Set(descriptions.get('403')).size).toBeGreaterThan(5);
  });

  it("types Event.data per event type (a union on type), personal fields nullable", () => {
    const event = doc.components.schemas.Event;
    expect(event.discriminator.propertyName).toBe('type');
    expect(Object.keys(event.discriminator.mapping).sort()).toEqual([...EVENT_TYPES].sort());
    const subscribed = doc.components.schemas.FollowSubscribedEvent;
    expect(subscribed.properties.type.enum).toEqual(['follow.subscribed']);
    expect(subscribed.properties.data.properties.openid.type).toEqual(['string', 'null']);
    expect(subscribed.properties.data.properties.appid.type).toBe('string');
    expect(subscribed.example.data).toMatchObject({ openid: expect.stringMatching(/^o[A-Za-z0-9_-]{27}$/), appid: expect.stringMatching(/^wx[0-9a-f]{16}$/) });
    const page = operations(doc).get('GET /v1/events')!.responses['200'].content['application/json'].schema;
    expect(page.properties.events.items.$ref).toBe('#/components/schemas/Event');
  });
});
