import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { OpenAPIHono } from '@hono/zod-openapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigFile } from '../../src/config/loadConfig.ts';
import type { Config } from '../../src/config/schema.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { startServer, type RunningServer } from '../../src/serve.ts';
import { createTestDatabase } from '../support/testDatabase.ts';
import { computeSignature } from '../../src/wechat/signature.ts';

const APPID = 'wxslow000000000oa1';
// Far above the 1–2 s limits, far below Node's defaults (60 s headers, 300 s request, 30 s checks).
const SLOW_TEST_MS = 15_000;

let database: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  database = await createTestDatabase('slow');
});
afterAll(async () => {
  await database?.drop();
});

/** The service on PostgreSQL (no NATS) with the given HTTP limits. */
async function startWith(http: Record<string, number>, options: Parameters<typeof startServer>[1] = {}): Promise<RunningServer> {
  const file = parseConfigFile({
    accounts: [{ appid: APPID, kind: 'oa', secret: 'slow-secret', token: 'abc123' }],
    apiKeys: [{ key: 'slow-admin-key-0123456789', scopes: ['admin'] }],
    http,
    masterKey: 'ZTJlIG1hc3RlciBrZXkgZm9yIHRlc3RzIG9ubHkhISE=',
  });
  const config: Config = { ...file, databaseUrl: database.url, natsUrl: null, port: 0, dataDir: './data' };
  return startServer(config, options);
}

type Opened = { socket: Socket; received: () => string; closed: Promise<void>; isClosed: () => boolean };

async function open(port: number): Promise<Opened> {
  const socket = connect(port, '127.0.0.1');
  let data = '';
  let done = false;
  socket.on('data', (chunk) => (data += String(chunk)));
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) =>
    socket.on('close', () => {
      done = true;
      resolve();
    }),
  );
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  return { socket, received: () => data, closed, isClosed: () => done };
}

/** Writes `chunk` every `everyMs` until the server closes the socket: a client on a very slow link. */
function trickle(opened: Opened, chunk: string, everyMs: number): void {
  const timer = setInterval(() => {
    if (opened.isClosed()) clearInterval(timer);
    else opened.socket.write(chunk);
  }, everyMs);
  void opened.closed.then(() => clearInterval(timer));
}

/**
 * Node's defaults held a connection that trickled its headers or body for 300 s (checked every
 * 30 s); WeChat gives up after 5 s. These run with 1 s / 2 s limits and real sockets.
 */
describe('slow clients are cut off; slow answers are not', () => {
  let server: RunningServer;
  const lines: string[] = [];
  beforeAll(async () => {
    // A route whose answer takes 3 s to stream, longer than the 2 s request timeout.
    const slowStream = () => {
      const app = new OpenAPIHono();
      app.get('/test/slow-stream', () => {
        let sent = 0;
        let timer: NodeJS.Timeout;
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            timer = setInterval(() => {
              controller.enqueue(new TextEncoder().encode(`chunk ${sent}\n`));
              if (++sent === 10) {
                clearInterval(timer);
                controller.close();
              }
            }, 300);
          },
          cancel: () => clearInterval(timer),
        });
        return new Response(body, { headers: { 'content-type': 'application/x-ndjson' } });
      });
      return app;
    };
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    server = await startWith(
      { headersTimeoutSeconds: 1, requestTimeoutSeconds: 2, keepAliveTimeoutSeconds: 1 },
      { extraRoutes: [slowStream], logger: createLogger({ level: 'warn', destination }) },
    );
  });
  afterAll(async () => {
    await server?.close();
  });

  it('closes a connection that trickles its headers (408)', { timeout: SLOW_TEST_MS }, async () => {
    const client = await open(server.port);
    client.socket.write(`POST /wechat/${APPID}/callback HTTP/1.1\r\nHost: x\r\n`);
    trickle(client, 'X-Slow: 1\r\n', 200);
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 408/);
  });

  it('closes a connection that trickles its body (408)', { timeout: SLOW_TEST_MS }, async () => {
    const client = await open(server.port);
    // A signed URL: an unsigned one is answered (403) before its body is read, and so is one over
    // callbackBodyLimitBytes (413); this one's body is waited for, and it trickles.
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signed = new URLSearchParams({ signature: computeSignature('abc123', timestamp, '1'), timestamp, nonce: '1' });
    client.socket.write(`POST /wechat/${APPID}/callback?${signed} HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: 60000\r\n\r\n<xml>`);
    trickle(client, 'x', 200);
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 408/);
  });

  it('closes a connection that sends nothing at all', { timeout: SLOW_TEST_MS }, async () => {
    const client = await open(server.port);
    await client.closed;
    expect(client.received()).not.toMatch(/^HTTP\/1\.1 200/);
  });

  it('still answers normal requests, and streams an answer for longer than the request timeout', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const events = await fetch(`${server.url}/v1/events`, { headers: { authorization: 'Bearer slow-admin-key-0123456789', accept: 'application/x-ndjson' } });
    expect(events.status).toBe(200);
    await events.text();
    const response = await fetch(`${server.url}/test/slow-stream`);
    const text = await response.text();
    expect(text.trim().split('\n')).toHaveLength(10);
  });

  it('warns at start about a callback token shorter than 16 characters', () => {
    const warning = lines.map((line) => JSON.parse(line) as { msg: string; appid?: string }).find((entry) => entry.appid === APPID && /shorter than 16/.test(entry.msg));
    expect(warning).toBeDefined();
    expect(lines.join('\n')).not.toContain('abc123');
  });

  it("warns at start about an account with a callback but no originalId: its pushes' ToUserName is not checked", () => {
    const warning = lines.map((line) => JSON.parse(line) as { msg: string; appid?: string }).find((entry) => entry.appid === APPID && /no originalId/.test(entry.msg));
    expect(warning?.msg).toMatch(/ToUserName is not checked/);
  });
});

describe('connections are capped', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startWith({ maxConnections: 3 });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('drops a connection past http.maxConnections at once, keeps the others', { timeout: SLOW_TEST_MS }, async () => {
    const held = [await open(server.port), await open(server.port), await open(server.port)];
    const extra = await open(server.port);
    await extra.closed;
    expect(extra.received()).toBe('');
    expect(held.map((client) => client.isClosed())).toEqual([false, false, false]);
    for (const client of held) client.socket.destroy();
    await Promise.all(held.map((client) => client.closed));
  });
});
