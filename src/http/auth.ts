import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { ApiKey, ApiScope } from '../config/schema.ts';
import { HttpError } from './errorResponse.ts';

/**
 * Bearer API keys with scopes. Keys are compared as sha256 digests in constant time, so
 * neither the comparison's timing nor a log of this structure reveals a key. `admin`
 * implies every scope.
 */
export function createAuth(keys: ApiKey[]) {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  const known = keys.map((key) => ({ digest: digest(key.key), scopes: new Set<ApiScope>(key.scopes), name: key.name ?? null }));
  const find = (presented: string) => {
    const candidate = digest(presented);
    let match: (typeof known)[number] | null = null;
    for (const key of known) if (timingSafeEqual(key.digest, candidate)) match = key;
    return match;
  };
  return function requireScope(scope: ApiScope): MiddlewareHandler {
    return async (c, next) => {
      const header = c.req.header('authorization') ?? '';
      const [scheme, token] = header.split(' ');
      if (scheme?.toLowerCase() !== 'bearer' || !token) throw new HttpError(401, 'unauthorized', 'an API key is required (Authorization: Bearer <key>)');
      const key = find(token);
      if (!key) throw new HttpError(401, 'unauthorized', 'unknown API key');
      if (!key.scopes.has(scope) && !key.scopes.has('admin')) throw new HttpError(403, 'forbidden', `this API key lacks the ${scope} scope`);
      await next();
    };
  };
}
