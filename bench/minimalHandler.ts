// The floor for the ingest benchmark: a tiny node:http server that does one INSERT per push
// into a plain table and answers `success` after it — no signature, no decryption, no parsing.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { onParentMessage, sendToParent, type ChildMessage } from './benchChild.ts';

let close = async () => {};

onParentMessage(
  async (message: ChildMessage) => {
    if (message.type !== 'start') return;
    // The same pool size as the service's (openStorage's default).
    const pool = new pg.Pool({ connectionString: message.databaseUrl as string, max: 10 });
    await pool.query('create table pushes (id bigserial primary key, openid text, query text not null, body text not null, received_at timestamptz not null default now())');
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const query = request.url?.split('?')[1] ?? '';
        const openid = new URLSearchParams(query).get('openid');
        pool.query('insert into pushes (openid, query, body) values ($1, $2, $3)', [openid, query, Buffer.concat(chunks).toString('utf8')]).then(
          () => response.end('success'),
          () => {
            response.statusCode = 503;
            response.end();
          },
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    close = async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await pool.end();
    };
    sendToParent({ type: 'listening', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  },
  () => close(),
);
