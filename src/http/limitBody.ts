import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HttpError } from './errorResponse.ts';

/**
 * Refuses a body larger than `maxBytes` with 413 before reading it. A request that declares its
 * length (every WeChat push does) is judged by its `Content-Length`: Node's HTTP parser never
 * hands a handler more bytes than that, and the body stays on @hono/node-server's direct read
 * path. hono's `bodyLimit` touches `c.req.raw.body`, which makes the adapter build a full web
 * `Request` with a `ReadableStream` for every request — about a tenth of the CPU of a webhook push
 * (bench/README.md) — so it is used only for bodies without a declared length (chunked), where
 * it counts the bytes while they stream in.
 */
export function limitBody(maxBytes: number): MiddlewareHandler {
  // The rest of the body is never read: the connection closes after the answer, or the client
  // would send its next request behind bytes the server is still discarding.
  const tooLarge = (c: Context) => {
    c.header('connection', 'close');
    return new HttpError(413, 'payload_too_large', `the body exceeds ${maxBytes} bytes`);
  };
  return async (c, next) => {
    const method = c.req.method;
    if (method === 'GET' || method === 'HEAD') return next();
    const declared = c.req.header('content-length');
    if (declared !== undefined && /^\d+$/.test(declared) && c.req.header('transfer-encoding') === undefined) {
      if (Number(declared) > maxBytes) throw tooLarge(c);
      return next();
    }
    return bodyLimit({
      maxSize: maxBytes,
      onError: () => {
        throw tooLarge(c);
      },
    })(c, next);
  };
}
