import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPush, sendPush, type PushAccount } from '../../src/simulator/pushSender.ts';
import { decodePush } from '../../src/wechat/decodePush.ts';

const base = {
  appid: 'wxpushoa000000001',
  token: 'pushtoken',
  encodingAESKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  originalId: 'gh_push0000001',
};

function decode(account: PushAccount, built: ReturnType<typeof buildPush>) {
  return decodePush({
    // The sender's mode is what the console would be set to.
    account: { ...account, messageMode: account.mode },
    query: built.query,
    body: built.body,
    contentType: built.contentType,
    format: account.format,
    maxBytes: 65_536,
  });
}

describe('push sender', () => {
  it.each([
    ['plain', 'xml'],
    ['compatible', 'xml'],
    ['safe', 'xml'],
    ['plain', 'json'],
    ['safe', 'json'],
  ] as const)('%s %s pushes decode with the ledger’s own decoder', (mode, format) => {
    const account: PushAccount = { ...base, mode, format };
    const built = buildPush(account, { event: 'subscribe', openid: 'oUser1', createTime: 1_700_000_000, eventKey: 'qrscene_42' });
    expect(decode(account, built)).toMatchObject({ kind: 'subscribe', openid: 'oUser1', CreateTime: 1_700_000_000, scene: '42' });
    if (mode === 'safe') expect(built.body).not.toContain('oUser1');
    if (mode !== 'plain') expect(built.query).toMatchObject({ encrypt_type: 'aes' });
  });

  it('builds unsubscribe and MP authorization-revoke pushes', () => {
    const oa: PushAccount = { ...base, mode: 'safe', format: 'xml' };
    expect(decode(oa, buildPush(oa, { event: 'unsubscribe', openid: 'oUser2' }))).toMatchObject({ kind: 'unsubscribe', openid: 'oUser2' });
    const mp: PushAccount = { ...base, mode: 'safe', format: 'json' };
    expect(decode(mp, buildPush(mp, { event: 'user_authorization_revoke', openid: 'oUser3' }))).toMatchObject({
      kind: 'user_authorization_revoke',
      openid: 'oUser3',
    });
  });

  it('an injected crypto can forge a bad signature (the decoder must refuse it)', () => {
    const account: PushAccount = { ...base, mode: 'plain', format: 'xml' };
    const built = buildPush(account, { event: 'unsubscribe', openid: 'o1' }, {
      crypto: { sign: () => 'bad', encrypt: (x) => x, msgSign: () => 'bad' },
    });
    expect(() => decode(account, built)).toThrow(/signature/);
  });

  describe('delivery', () => {
    let url: string;
    let close: () => Promise<void>;
    const seen: string[] = [];
    let answers: { status: number; body: string }[] = [];

    beforeAll(async () => {
      const app = new Hono();
      app.post('/callback', async (c) => {
        seen.push(c.req.url);
        const next = answers.shift() ?? { status: 200, body: 'success' };
        return c.body(next.body, next.status as 200);
      });
      await new Promise<void>((resolve) => {
        const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
          url = `http://127.0.0.1:${info.port}/callback`;
          close = () => new Promise((done) => server.close(() => done()));
          resolve();
        });
      });
    });
    afterAll(() => close?.());

    const push = () => buildPush({ ...base, mode: 'plain', format: 'xml' }, { event: 'subscribe', openid: 'o1' });

    it('stops at the first `success` or empty 200', async () => {
      answers = [{ status: 200, body: '' }];
      await expect(sendPush(url, push())).resolves.toMatchObject({ delivered: true, attempts: [{ status: 200 }] });
    });

    it('retries a 503 and a wrong answer, re-sending the same query, up to 3 tries', async () => {
      seen.length = 0;
      answers = [
        { status: 503, body: 'down' },
        { status: 200, body: 'nope' },
        { status: 200, body: 'success' },
      ];
      const result = await sendPush(url, push());
      expect(result.delivered).toBe(true);
      expect(result.attempts.map((a) => a.status)).toEqual([503, 200, 200]);
      expect(new Set(seen).size).toBe(1);

      answers = [
        { status: 500, body: '' },
        { status: 500, body: '' },
        { status: 500, body: '' },
      ];
      await expect(sendPush(url, push())).resolves.toMatchObject({ delivered: false });
    });

    it('gives up on a callback it cannot reach', async () => {
      const result = await sendPush('http://127.0.0.1:1/callback', push(), { timeoutMs: 200 });
      expect(result).toMatchObject({ delivered: false });
      expect(result.attempts).toHaveLength(3);
    });
  });
});
