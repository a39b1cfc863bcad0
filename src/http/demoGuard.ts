import type { MiddlewareHandler } from 'hono';
import { HttpError } from './errorResponse.ts';

const LOCAL_HOST = /^(localhost|127\.0\.0\.1|\[::1\])(?::(\d{1,5}))?$/i;

/**
 * The demo configuration's admin API key is published, and it listens on 127.0.0.1 — which a
 * web page can still reach by DNS rebinding (evil.example resolves to 127.0.0.1 after the page
 * loaded, and the browser sends the page's requests there as same-origin). Such requests carry
 * the attacker's name in `Host`, so on the demo configuration only `localhost`, `127.0.0.1` or
 * `[::1]` with the port the request arrived on are answered (403 `forbidden_host` otherwise),
 * and a browser request from another origin (`Origin` not this host, or `null`) is refused too,
 * on every path. Not only /v1: the demo's callback token and EncodingAESKey are published as
 * well, so any page the developer visits could sign and encrypt a push in JS and post it
 * (no-cors, text/plain) to /wechat/:appid/callback — forged follows and unsubscribes, and the
 * erasures they lead to (red team 2, F4). WeChat's servers are not browsers and send no
 * `Origin`; the service's own pages (/docs, /dashboard) send their own host, which passes.
 */
export function demoGuard(configuredPort: number): MiddlewareHandler {
  return async (c, next) => {
    const host = c.req.header('host') ?? '';
    const local = LOCAL_HOST.exec(host);
    // The port the connection arrived on (@hono/node-server), else the configured one (0: any).
    const arrivedOn = (c.env as { incoming?: { socket?: { localPort?: number } } } | undefined)?.incoming?.socket?.localPort ?? configuredPort;
    const port = local?.[2] === undefined ? 80 : Number(local[2]);
    if (!local || (arrivedOn !== 0 && port !== arrivedOn)) {
      throw new HttpError(403, 'forbidden_host', 'the demo configuration answers only requests to localhost, 127.0.0.1 or [::1] on its own port (Host header)');
    }
    const origin = c.req.header('origin');
    if (origin !== undefined && originHost(origin) !== host.toLowerCase()) {
      throw new HttpError(403, 'forbidden_host', 'the demo configuration refuses cross-origin browser requests (Origin is not this host)');
    }
    await next();
  };
}

function originHost(origin: string): string | null {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    // "null" (sandboxed frames, file:) and anything unparsable are another origin.
    return null;
  }
}
