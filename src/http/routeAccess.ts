import type { ApiScope } from '../config/schema.ts';
import type { createAuth } from './auth.ts';

/**
 * How a route treats an API key limited to `appids` (README "HTTP API"; enforced in auth.ts).
 * `checks` names every appid of the request the key must be allowed, `accepted: false` means the
 * route acts on every account and needs a key without `appids`, `'partly'` depends on the body.
 */
export type AppidLimit = { accepted: boolean | 'partly'; checks: string[]; rule: string };

/**
 * The scope a route needs, enforced and documented from one place: the middleware that checks
 * it, and the operation's OpenAPI security requirement, description and `x-` extensions.
 *
 * OpenAPI 3.1 lets a security requirement of a non-OAuth scheme list "role names which are
 * required for the execution" — exactly what an API key's scopes are — so the scope is the role
 * named in `security: [{bearer: [scope]}]`. The service runs no OAuth server, so describing the
 * keys as an oauth2 scheme would send tools looking for token URLs that do not exist. Tools that
 * ignore role names find the same in `x-required-scope` and in the description.
 */
export function routeAccess(requireScope: ReturnType<typeof createAuth>, scope: ApiScope, appids: AppidLimit, description: string) {
  const implied = scope === 'admin' ? '' : ' (or `admin`, which implies every scope)';
  return {
    middleware: [requireScope(scope)],
    security: [{ bearer: [scope] }],
    description: `${description}\n\n**Scope:** \`${scope}\`${implied}.\n\n**Keys limited to appids:** ${appids.rule}`,
    'x-required-scope': scope,
    'x-appid-limited-keys': { accepted: appids.accepted, checks: appids.checks },
  };
}

/** The rules the routes share. */
export const APPID_LIMITS = {
  path: { accepted: true, checks: ['path appid'], rule: "accepted; the path's `appid` must be one of the key's (403 `forbidden` otherwise)." },
  everyAccount: (what: string): AppidLimit => ({ accepted: false, checks: [], rule: `refused (403 \`forbidden\`): ${what} acts on every account and needs a key without \`appids\`.` }),
} satisfies Record<string, AppidLimit | ((what: string) => AppidLimit)>;
