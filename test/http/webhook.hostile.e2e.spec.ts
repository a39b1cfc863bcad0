import { randomInt } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2E, OA, MP, type E2E } from '../support/e2eHarness.ts';
import { buildPush, defaultPushCrypto, sendPush } from '../../src/simulator/pushSender.ts';
import { createMessageCrypto } from '../../src/wechat/messageCrypto.ts';
import { computeSignature, computeMsgSignature } from '../../src/wechat/signature.ts';
import { until } from '../support/until.ts';

const account = { ...OA, format: 'xml' as const, mode: 'plain' as const };

describe('bad and hostile pushes: the right status, nothing appended, the service stays healthy', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E();
  });
  afterAll(async () => {
    await e2e?.close();
  });

  const post = async (query: Record<string, string>, body: string | Uint8Array, appid = OA.appid) => {
    const url = new URL(`${e2e.url}/wechat/${appid}/callback`);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'text/xml' }, body });
    return { status: response.status, body: (await response.json().catch(() => null)) as { error: { code: string } } | null };
  };
  const signedQuery = () => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = String(randomInt(1e9, 2 ** 47));
    return { timestamp, nonce, signature: computeSignature(OA.token, timestamp, nonce) };
  };
  const encryptedBody = (plaintext: string, appid = OA.appid) => {
    const query = signedQuery();
    const encrypt = createMessageCrypto({ token: OA.token, encodingAESKey: OA.encodingAESKey, appid }).encrypt(plaintext);
    return {
      query: { ...query, encrypt_type: 'aes', msg_signature: computeMsgSignature(OA.token, query.timestamp, query.nonce, encrypt) },
      body: `<xml><ToUserName><![CDATA[${OA.originalId}]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`,
      encrypt,
    };
  };
  const subscribeXml = (openid: string) =>
    `<xml><ToUserName><![CDATA[${OA.originalId}]]></ToUserName><FromUserName><![CDATA[${openid}]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event></xml>`;

  let headBefore = 0;
  beforeAll(async () => {
    headBefore = await e2e.server.service.ledger.head();
  });

  it('bad signature → 403 invalid_signature', async () => {
    const built = buildPush(account, { event: 'subscribe', openid: 'o-bad-sig' }, { crypto: { ...defaultPushCrypto(account), sign: () => '0'.repeat(40) } });
    const delivery = await sendPush(`${e2e.url}/wechat/${OA.appid}/callback`, { ...built }, { tries: 1 });
    expect(delivery.attempts[0]!.status).toBe(403);
    expect(JSON.parse(delivery.attempts[0]!.body).error.code).toBe('invalid_signature');
  });

  it('bad msg_signature in safe mode → 403', async () => {
    const { query, body } = encryptedBody(subscribeXml('o-bad-msgsig'));
    expect(await post({ ...query, msg_signature: 'a'.repeat(40) }, body)).toMatchObject({ status: 403, body: { error: { code: 'invalid_signature' } } });
  });

  it('a ciphertext made for another appid → 400 appid_mismatch', async () => {
    const { query, body } = encryptedBody(subscribeXml('o-foreign'), 'wxsomeoneelse00001');
    expect(await post(query, body)).toMatchObject({ status: 400, body: { error: { code: 'appid_mismatch' } } });
  });

  it('a truncated ciphertext → 400', async () => {
    const query = signedQuery();
    const { encrypt } = encryptedBody(subscribeXml('o-truncated'));
    const truncated = encrypt.slice(0, encrypt.length - 24);
    const body = `<xml><ToUserName>x</ToUserName><Encrypt><![CDATA[${truncated}]]></Encrypt></xml>`;
    const result = await post({ ...query, encrypt_type: 'aes', msg_signature: computeMsgSignature(OA.token, query.timestamp, query.nonce, truncated) }, body);
    expect(result.status).toBe(400);
    expect(['decrypt_failed', 'malformed_payload']).toContain(result.body!.error.code);
  });

  it('XML with an entity declaration → 400 hostile_xml', async () => {
    const body = `<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><xml><ToUserName>&lol2;</ToUserName><FromUserName>o-entity</FromUserName><CreateTime>1</CreateTime><MsgType>event</MsgType><Event>subscribe</Event></xml>`;
    expect(await post(signedQuery(), body)).toMatchObject({ status: 400, body: { error: { code: 'hostile_xml' } } });
  });

  it('deeply nested XML → 400', async () => {
    const body = `<xml>${'<a>'.repeat(5000)}x${'</a>'.repeat(5000)}</xml>`;
    expect((await post(signedQuery(), body)).status).toBe(400);
  });

  it('a 5 MiB body → 413 payload_too_large', async () => {
    const body = new Uint8Array(5 * 1024 * 1024).fill(0x41);
    expect(await post(signedQuery(), body)).toMatchObject({ status: 413, body: { error: { code: 'payload_too_large' } } });
  });

  it('a signed, well-formed push over 64 KiB (callbackBodyLimitBytes) → 413 payload_too_large, judged from Content-Length', async () => {
    // Flat WeChat-shaped XML with one padded field: under the old 1 MiB limit it was read, parsed and recorded.
    const body = subscribeXml('o-padded').replace('</xml>', `<Padding><![CDATA[${'x'.repeat(70_000)}]]></Padding></xml>`);
    expect(await post(signedQuery(), body)).toMatchObject({ status: 413, body: { error: { code: 'payload_too_large' } } });
  });

  it('a chunked body (no Content-Length) is cut once it passes 64 KiB → 413', async () => {
    const url = new URL(`${e2e.url}/wechat/${OA.appid}/callback`);
    for (const [k, v] of Object.entries(signedQuery())) url.searchParams.set(k, v);
    const chunk = new TextEncoder().encode(`<!--${'x'.repeat(8 * 1024)}-->`);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        // At most 128 KiB: enough to pass the limit, bounded if it were not enforced.
        if (sent >= 16) return controller.close();
        sent++;
        controller.enqueue(chunk);
      },
    });
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'text/xml' }, body, duplex: 'half' } as RequestInit);
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
  });

  it('an unsigned request with a hostile 60 KiB body → 403 invalid_signature, not a parse error', async () => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const unsigned = { timestamp, nonce: '1', signature: '0'.repeat(40) };
    const hostile = `<!DOCTYPE xml [<!ENTITY x "${'y'.repeat(1000)}">]><xml>${'<a>'.repeat(10_000)}${'&x;'.repeat(5000)}</xml>`.slice(0, 60 * 1024);
    expect(await post(unsigned, hostile)).toMatchObject({ status: 403, body: { error: { code: 'invalid_signature' } } });
    expect(await post({ timestamp }, hostile)).toMatchObject({ status: 403, body: { error: { code: 'invalid_signature' } } });
  });

  it('answers an unsigned request before its body has arrived: the signature is checked before the body is read', async () => {
    const { port } = new URL(e2e.url);
    const socket = connect(Number(port), '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => (received += String(chunk)));
    socket.on('error', () => {});
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    try {
      const query = new URLSearchParams({ timestamp: String(Math.floor(Date.now() / 1000)), nonce: '2', signature: '0'.repeat(40) });
      // 60 KiB announced, 1 KiB sent: a server that read the body first would still be waiting.
      socket.write(`POST /wechat/${OA.appid}/callback?${query} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml\r\nContent-Length: ${60 * 1024}\r\n\r\n<xml>${'x'.repeat(1024)}`);
      await until(() => received.includes('invalid_signature'), 5000, 'the 403 before the body is complete');
      expect(received).toMatch(/^HTTP\/1\.1 403/);
      expect(received.toLowerCase()).toContain('connection: close');
    } finally {
      socket.destroy();
    }
  });

  it('a plain push to an account with an EncodingAESKey (safe mode) → 403 encryption_required', async () => {
    const built = buildPush({ ...MP, format: 'json', mode: 'plain' }, { event: 'user_authorization_revoke', openid: 'o-forged' });
    const delivery = await sendPush(`${e2e.url}/wechat/${MP.appid}/callback`, built, { tries: 1 });
    expect(delivery.attempts[0]!.status).toBe(403);
    expect(JSON.parse(delivery.attempts[0]!.body).error.code).toBe('encryption_required');
  });

  it('a signed URL verification without echostr → 400', async () => {
    const response = await fetch(`${e2e.url}/wechat/${OA.appid}/callback?${new URLSearchParams(signedQuery())}`);
    expect(response.status).toBe(400);
  });

  it('an unknown appid → 404 unknown_appid', async () => {
    expect(await post(signedQuery(), subscribeXml('o-unknown'), 'wxnotconfigured01')).toMatchObject({ status: 404, body: { error: { code: 'unknown_appid' } } });
  });

  it('an unknown event type → success, counted, not appended', async () => {
    const body = `<xml><ToUserName>${OA.originalId}</ToUserName><FromUserName>o-click</FromUserName><CreateTime>1700000000</CreateTime><MsgType>event</MsgType><Event>CLICK</Event><EventKey>menu</EventKey></xml>`;
    const response = await fetch(`${e2e.url}/wechat/${OA.appid}/callback?${new URLSearchParams(signedQuery())}`, { method: 'POST', body });
    expect(await response.text()).toBe('success');
    expect(await (await fetch(`${e2e.url}/metrics`)).text()).toMatch(/wechat_pushes_total\{appid="wxe2e00000000oa01",kind="other",outcome="ignored"\} 1/);
  });

  it('appended nothing for any of them, and the service is healthy', async () => {
    expect(await e2e.server.service.ledger.head()).toBe(headBefore);
    expect((await fetch(`${e2e.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${e2e.url}/readyz`)).status).toBe(200);
  });
});
