import { request as httpRequest } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limitBody } from '../../src/http/limitBody.ts';
import { errorResponse } from '../../src/http/errorResponse.ts';

/** Over a real socket: the adapter's fast body path is what limitBody keeps, and what it must not let through. */
describe('limitBody', () => {
  let server: ServerType;
  let port: number;
  const seen: number[] = [];
  beforeAll(async () => {
    const app = new Hono();
    app.onError((error, c) => {
      const { status, body } = errorResponse(error);
      return c.json(body, status as 413);
    });
    app.post('/echo', limitBody(100), async (c) => {
      const text = await c.req.text();
      seen.push(text.length);
      return c.text(`got ${text.length}`);
    });
    await new Promise<void>((resolve) => {
      server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve());
    });
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** Sends `chunks` with Content-Length (declared) or chunked transfer encoding. */
  function post(chunks: string[], declared: boolean): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const length = chunks.reduce((sum, chunk) => sum + Buffer.byteLength(chunk), 0);
      const req = httpRequest(
        { host: '127.0.0.1', port, method: 'POST', path: '/echo', headers: declared ? { 'content-length': String(length) } : { 'transfer-encoding': 'chunked' } },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        },
      );
      // The server may answer 413 and close before reading everything.
      req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' || error.code === 'EPIPE' ? undefined : reject(error)));
      for (const chunk of chunks) req.write(chunk);
      req.end();
    });
  }

  it('passes a body within the limit, declared or chunked, to the handler whole', async () => {
    expect(await post(['a'.repeat(60), 'b'.repeat(40)], true)).toEqual({ status: 200, body: 'got 100' });
    expect(await post(['a'.repeat(60), 'b'.repeat(40)], false)).toEqual({ status: 200, body: 'got 100' });
  });

  it('refuses a declared length over the limit with 413 without running the handler', async () => {
    const before = seen.length;
    const answer = await post(['x'.repeat(101)], true);
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'payload_too_large' } });
    expect(seen.length).toBe(before);
  });

  it('refuses a chunked body once it streams past the limit', async () => {
    const before = seen.length;
    const answer = await post(['x'.repeat(80), 'y'.repeat(80)], false);
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'payload_too_large' } });
    expect(seen.length).toBe(before);
  });

  it('never sees a body whose length is ambiguous: Node refuses both headers together, or two lengths', async () => {
    const raw = (head: string, body: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => socket.end(`POST /echo HTTP/1.1\r\nHost: x\r\n${head}\r\n${body}`));
        let answer = '';
        socket.on('data', (chunk) => (answer += chunk));
        socket.on('end', () => resolve(answer));
        socket.on('error', reject);
      });
    const before = seen.length;
    const both = await raw('Content-Length: 5\r\nTransfer-Encoding: chunked\r\n', `${(200).toString(16)}\r\n${'x'.repeat(200)}\r\n0\r\n\r\n`);
    expect(both).toMatch(/^HTTP\/1\.1 400/);
    const twice = await raw('Content-Length: 5\r\nContent-Length: 200\r\n', 'x'.repeat(200));
    expect(twice).toMatch(/^HTTP\/1\.1 400/);
    expect(seen.length).toBe(before);
  });
});
