import { hash, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import type { ApiKey, ApiScope } from '../config/schema.ts';
import { HttpError } from './errorResponse.ts';

/** The API key a request was authenticated with, as the handlers see it (never the key itself). */
export type ApiKeyGrant = {
  /** sha256 of the key, hex: names the caller in request digests without revealing the key. */
  id: string;
  name: string | null;
  scopes: ReadonlySet<ApiScope>;
  /** The appids this key may name; null when it is not limited. */
  appids: ReadonlySet<string> | null;
};

declare module 'hono' {
  interface ContextVariableMap {
    apiKey: ApiKeyGrant;
  }
}

/**
 * Bearer API keys with scopes and, optionally, appids. Keys are compared as sha256 digests in
 * constant time, so neither the comparison's timing nor a log of this structure reveals a key.
 * `admin` implies every scope. A key limited to appids is refused (403) on a route whose path
 * names another appid; routes that take an appid in the query or body check it with
 * `requireAppids`.
 */
export function createAuth(keys: ApiKey[]) {
  // One-shot hashing allocates no Hash object: half the cost of the per-request digest. (The
  // ledger's chain, src/ledger/hashChain.ts, already relies on `hash`.)
  const digest = (value: string) => hash('sha256', value, 'buffer');
  const known = keys.map((key) => {
    const hash = digest(key.key);
    const grant: ApiKeyGrant = {
      id: hash.toString('hex'),
      name: key.name ?? null,
      scopes: new Set<ApiScope>(key.scopes),
      appids: key.appids ? new Set(key.appids) : null,
    };
    return { digest: hash, grant };
  });
  const find = (presented: string) => {
    const candidate = digest(presented);
    let match: ApiKeyGrant | null = null;
    for (const key of known) if (timingSafeEqual(key.digest, candidate)) match = key.grant;
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
      c.set('apiKey', key);
      // Every route whose path names an account (`/…/{appid}/…`) is covered here, by construction.
      const pathAppid = c.req.param('appid');
      if (pathAppid !== undefined) requireAppids(c, [pathAppid]);
      await next();
    };
  };
}

/** The grant of an authenticated request (the scope middleware ran). */
export function grantOf(c: Context): ApiKeyGrant {
  const grant = c.get('apiKey');
  if (!grant) throw new HttpError(401, 'unauthorized', 'an API key is required (Authorization: Bearer <key>)');
  return grant;
}

/** 403 unless the request's key may name every one of `appids` (undefined entries are skipped). */
export function requireAppids(c: Context, appids: readonly (string | undefined)[]): void {
  const allowed = grantOf(c).appids;
  if (!allowed) return;
  for (const appid of appids) {
    if (appid !== undefined && !allowed.has(appid)) throw new HttpError(403, 'forbidden', `this API key is not allowed for appid ${appid}`);
  }
}

/** 403 for a key limited to appids: the route acts on every account at once. */
export function requireUnlimitedKey(c: Context, what: string): void {
  if (grantOf(c).appids) throw new HttpError(403, 'forbidden', `this API key is limited to some appids; ${what} needs a key that is not`);
}

/** Whether the request's key may see `appid` (for filtering answers that span accounts). */
export function maySee(c: Context, appid: string): boolean {
  const allowed = grantOf(c).appids;
  return !allowed || allowed.has(appid);
}
