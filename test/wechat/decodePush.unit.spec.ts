import { describe, expect, it } from 'vitest';
import { decodePush, openPush, type DecodePushInput } from '../../src/wechat/decodePush.ts';
import { encryptPushJson, encryptPushXml } from '../../src/wechat/encryptPush.ts';
import { WechatError } from '../../src/wechat/errors.ts';
import { computeSignature } from '../../src/wechat/signature.ts';
import { verifyUrl } from '../../src/wechat/verifyUrl.ts';
import {
  authorizationRevoke,
  miniProgramDocJson,
  officialAccountEvents,
  officialPythonSample,
  openPlatformPush,
} from './publishedVectors.ts';

const LIMIT = 64 * 1024;

function failure(action: () => unknown): { code: string; status: number } {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(WechatError);
    const { code, status } = error as WechatError;
    return { code, status };
  }
  throw new Error('expected a WechatError');
}

/** A plain-mode push, signed the way WeChat signs it. */
function plain(body: string, format: 'xml' | 'json' = 'xml'): DecodePushInput {
  const token = 'token123';
  const query = { timestamp: '1714037059', nonce: '486452656' };
  return {
    account: { appid: 'wx0000000000000001', token },
    query: { ...query, signature: computeSignature(token, query.timestamp, query.nonce) },
    body,
    format,
    maxBytes: LIMIT,
  };
}

const pythonSampleAccount = {
  appid: officialPythonSample.appid,
  token: officialPythonSample.token,
  encodingAESKey: officialPythonSample.encodingAESKey,
};

/** The WeChat Python sample as a compatibility-mode request (the sample publishes no `signature`; it is derived). */
function pythonSampleRequest(clearFields = officialPythonSample.clearFields): DecodePushInput {
  const { token, timestamp, nonce, msgSignature, encrypt } = officialPythonSample;
  return {
    account: pythonSampleAccount,
    query: { signature: computeSignature(token, timestamp, nonce), timestamp, nonce, msg_signature: msgSignature, encrypt_type: 'aes' },
    body: `<xml>${clearFields}<Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`,
    format: 'xml',
    maxBytes: LIMIT,
  };
}

describe('decodePush: published requests', () => {
  it('decodes the mini program documentation safe-mode JSON push, query string as published', () => {
    const { query, encrypt, token, appid, encodingAESKey } = miniProgramDocJson;
    const push = decodePush({
      account: { appid, token, encodingAESKey },
      query,
      body: JSON.stringify({ ToUserName: 'gh_97417a04a28d', Encrypt: encrypt }),
      format: 'json',
      maxBytes: LIMIT,
    });
    expect(push).toEqual({
      kind: 'other',
      ToUserName: 'gh_97417a04a28d',
      FromUserName: 'o9AgO5Kd5ggOC-bXrbNODIiE3bGY',
      CreateTime: 1714112445,
      MsgType: 'event',
      Event: 'debug_demo',
    });
  });

  it('decodes the WeChat Python sample (compatibility mode) into a message with an exact MsgId', () => {
    expect(decodePush(pythonSampleRequest())).toMatchObject({
      kind: 'message',
      openid: 'oyORnuP8q7ou2gfYjqLzSIWZf0rs',
      CreateTime: 1409735668,
      MsgId: '6054768590064713728',
    });
  });

  it('decodes a real Open Platform safe-mode push (indented envelope, pad 16)', () => {
    const v = openPlatformPush;
    const push = decodePush({
      account: { appid: v.appid, token: v.token, encodingAESKey: v.encodingAESKey },
      query: { signature: computeSignature(v.token, v.timestamp, v.nonce), timestamp: v.timestamp, nonce: v.nonce, msg_signature: v.msgSignature },
      body: v.body,
      format: 'xml',
      maxBytes: LIMIT,
    });
    expect(push).toMatchObject({ kind: 'message', openid: 'o4jhJ6DQSJP6m8RsJ_Qt6Iexh48I', MsgId: v.msgId });
  });
});

describe('decodePush: compatibility mode trusts only the decrypted part', () => {
  it('ignores clear fields that disagree with the ciphertext', () => {
    const forged = officialPythonSample.clearFields
      .replace('oyORnuP8q7ou2gfYjqLzSIWZf0rs', 'oAttackerOpenid')
      .replace('<MsgType><![CDATA[text]]></MsgType>', '<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[unsubscribe]]></Event>');
    const push = decodePush(pythonSampleRequest(forged));
    expect(push).toMatchObject({ kind: 'message', openid: 'oyORnuP8q7ou2gfYjqLzSIWZf0rs' });
  });

  it('does the same for JSON', () => {
    const account = { appid: 'wxmp', token: 'tok', encodingAESKey: miniProgramDocJson.encodingAESKey };
    const sealed = encryptPushJson({ account, plaintext: authorizationRevoke.json, toUserName: 'gh_870882ca4b1', mode: 'compatible' });
    const forged = sealed.body.replace('"OpenID": "oaKk343WOktAaT2ygsX138BGblrg"', '"OpenID": "oSomeoneElse"');
    expect(forged).not.toBe(sealed.body);
    const push = decodePush({ account, query: sealed.query, body: forged, format: 'json', maxBytes: LIMIT });
    expect(push).toMatchObject({ kind: 'user_authorization_revoke', openid: 'oaKk343WOktAaT2ygsX138BGblrg' });
  });
});

describe('decodePush: plain mode', () => {
  it('reads a QR subscribe, SCAN and unsubscribe in XML', () => {
    expect(decodePush(plain(officialAccountEvents.qrSubscribe))).toMatchObject({ kind: 'subscribe', scene: '123123' });
    expect(decodePush(plain(officialAccountEvents.scan))).toMatchObject({ kind: 'scan' });
  });

  it('reads user_authorization_revoke in XML and JSON', () => {
    expect(decodePush(plain(authorizationRevoke.xml))).toMatchObject({ kind: 'user_authorization_revoke', openid: 'owAqB1nqaOYYWl0Ng484G2z5NIwU' });
    expect(decodePush(plain(authorizationRevoke.json, 'json'))).toMatchObject({
      kind: 'user_authorization_revoke',
      openid: 'oaKk343WOktAaT2ygsX138BGblrg',
    });
  });

  it('keeps MsgId 1234567890123456789 exact in XML and JSON', () => {
    const fields = { ToUserName: 'gh_1', FromUserName: 'o1', CreateTime: 1714037059, MsgType: 'text' };
    const asXml = `<xml><ToUserName>gh_1</ToUserName><FromUserName>o1</FromUserName><CreateTime>1714037059</CreateTime><MsgType>text</MsgType><MsgId>1234567890123456789</MsgId></xml>`;
    const asJson = `${JSON.stringify(fields).slice(0, -1)},"MsgId":1234567890123456789}`;
    expect(decodePush(plain(asXml))).toMatchObject({ MsgId: '1234567890123456789' });
    expect(decodePush(plain(asJson, 'json'))).toMatchObject({ MsgId: '1234567890123456789' });
  });

  it('lets an explicit Content-Type override the configured format', () => {
    expect(decodePush({ ...plain(authorizationRevoke.json, 'xml'), contentType: 'application/json; charset=utf-8' }).kind).toBe(
      'user_authorization_revoke',
    );
    expect(decodePush({ ...plain(authorizationRevoke.xml, 'json'), contentType: 'text/xml' }).kind).toBe('user_authorization_revoke');
    expect(decodePush({ ...plain(authorizationRevoke.xml, 'xml'), contentType: 'text/plain' }).kind).toBe('user_authorization_revoke');
  });
});

describe('decodePush: refusals', () => {
  it('refuses a tampered or missing signature with 403, before reading the body', () => {
    const request = plain('<!DOCTYPE x><xml/>');
    expect(failure(() => decodePush({ ...request, query: { ...request.query, signature: '0'.repeat(40) } }))).toEqual({
      code: 'invalid_signature',
      status: 403,
    });
    expect(failure(() => decodePush({ ...request, query: { ...request.query, signature: undefined } })).code).toBe('invalid_signature');
  });

  it('refuses a tampered or missing msg_signature', () => {
    const request = pythonSampleRequest();
    const wrong = { ...request, query: { ...request.query, msg_signature: officialPythonSample.msgSignature.replace('5d', '5e') } };
    expect(failure(() => decodePush(wrong)).code).toBe('invalid_signature');
    expect(failure(() => decodePush({ ...request, query: { ...request.query, msg_signature: undefined } })).code).toBe('invalid_signature');
  });

  it('refuses a ciphertext sealed for another appid', () => {
    const request = pythonSampleRequest();
    expect(failure(() => decodePush({ ...request, account: { ...pythonSampleAccount, appid: 'wxSomeoneElse' } }))).toEqual({
      code: 'appid_mismatch',
      status: 400,
    });
  });

  it('refuses an encrypted push for an account without EncodingAESKey', () => {
    const request = pythonSampleRequest();
    expect(failure(() => decodePush({ ...request, account: { appid: officialPythonSample.appid, token: officialPythonSample.token } })).code).toBe(
      'decrypt_failed',
    );
  });

  it('refuses a clear body when the query says encrypt_type=aes', () => {
    const request = plain(officialAccountEvents.subscribe);
    expect(failure(() => decodePush({ ...request, query: { ...request.query, encrypt_type: 'aes' } })).code).toBe('malformed_payload');
  });

  it('refuses hostile, malformed, oversized and invalid JSON bodies', () => {
    expect(failure(() => decodePush(plain('<!DOCTYPE xml [<!ENTITY a "b">]><xml><A>&a;</A></xml>')))).toEqual({ code: 'hostile_xml', status: 400 });
    expect(failure(() => decodePush(plain('<xml><A>1</B></xml>'))).code).toBe('malformed_xml');
    expect(failure(() => decodePush({ ...plain(officialAccountEvents.subscribe), maxBytes: 100 }))).toEqual({
      code: 'payload_too_large',
      status: 413,
    });
    expect(failure(() => decodePush(plain('{"MsgType": "event",', 'json')))).toEqual({ code: 'malformed_json', status: 400 });
  });

  it('bounds the timestamp only when a tolerance is configured', () => {
    const request = plain(officialAccountEvents.subscribe);
    const now = 1714037059_000;
    expect(decodePush({ ...request, timestampToleranceSeconds: 300, now: now + 299_000 }).kind).toBe('subscribe');
    expect(failure(() => decodePush({ ...request, timestampToleranceSeconds: 300, now: now + 301_000 }))).toEqual({
      code: 'stale_timestamp',
      status: 403,
    });
    expect(decodePush({ ...request, timestampToleranceSeconds: null, now: now * 2 }).kind).toBe('subscribe');
  });
});

describe('decodePush: message mode (the console\'s 消息加解密方式)', () => {
  const account = { appid: 'wx5823bf96d3bd56c7', token: 'QDG6eK', encodingAESKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C' };
  const plainBody = (mode?: 'plain' | 'compatible' | 'safe') => {
    const request = plain(officialAccountEvents.subscribe);
    const query = { ...request.query, signature: computeSignature(account.token, request.query.timestamp!, request.query.nonce!) };
    return { ...request, query, account: { ...account, ...(mode ? { messageMode: mode } : {}) } };
  };

  it('refuses a clear body in compatible and safe mode, and by default when the account has a key (403 encryption_required)', () => {
    for (const mode of ['compatible', 'safe', undefined] as const) {
      expect(failure(() => decodePush(plainBody(mode)))).toEqual({ code: 'encryption_required', status: 403 });
    }
  });

  it('accepts a clear body in plain mode, even with a key, and still reads an encrypted one there', () => {
    expect(decodePush(plainBody('plain')).kind).toBe('subscribe');
    const sealed = encryptPushXml({ account, plaintext: officialAccountEvents.subscribe, toUserName: 'toUser', mode: 'safe' });
    const push = decodePush({ account: { ...account, messageMode: 'plain' }, query: sealed.query, body: sealed.body, format: 'xml', maxBytes: LIMIT });
    expect(push.kind).toBe('subscribe');
  });

  it('hands back the trusted document: the body in plain mode, the decrypted message otherwise', () => {
    expect(openPush(plainBody('plain')).content).toBe(officialAccountEvents.subscribe);
    for (const mode of ['safe', 'compatible'] as const) {
      const sealed = encryptPushXml({ account, plaintext: officialAccountEvents.subscribe, toUserName: 'toUser', mode });
      expect(openPush({ account: { ...account, messageMode: mode }, query: sealed.query, body: sealed.body, format: 'xml', maxBytes: LIMIT }).content).toBe(
        officialAccountEvents.subscribe,
      );
    }
  });

  it('refuses a timestamp that is not seconds since the epoch, with or without a window', () => {
    const request = plain(officialAccountEvents.subscribe);
    for (const timestamp of ['1714037059.5', '01714037059', '+1714037059', '-1714037059', '0', '1714037059000000']) {
      const query = { ...request.query, timestamp };
      const signed = { ...request, query: { ...query, signature: computeSignature(request.account.token, query.timestamp, query.nonce!) } };
      expect(failure(() => decodePush({ ...signed, timestampToleranceSeconds: null })), timestamp).toEqual({ code: 'stale_timestamp', status: 403 });
    }
  });

  it('refuses a leading-zero split of a signed URL: the same signature, the nonce\'s `0` moved to the timestamp (red team 2, F2)', () => {
    const request = plain(officialAccountEvents.subscribe);
    const now = 1714037059_000;
    const nonce = '0123450';
    const signature = computeSignature(request.account.token, '1714037059', nonce);
    const split = { signature, timestamp: '01714037059', nonce: '012345' };
    // The split verifies with the same signature (which is why the timestamp's form must be checked)…
    expect(computeSignature(request.account.token, split.timestamp, split.nonce)).toBe(signature);
    expect(decodePush({ ...request, query: { ...request.query, signature, timestamp: '1714037059', nonce }, timestampToleranceSeconds: 300, now }).kind).toBe('subscribe');
    // …and is refused, inside the window as outside it.
    for (const tolerance of [300, null]) {
      expect(failure(() => decodePush({ ...request, query: { ...request.query, ...split }, timestampToleranceSeconds: tolerance, now }))).toEqual({ code: 'stale_timestamp', status: 403 });
    }
  });
});

describe('decodePush: round trip with encryptPush', () => {
  const account = { appid: 'wx5823bf96d3bd56c7', token: 'QDG6eK', encodingAESKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C' };

  it.each(['safe', 'compatible'] as const)('XML, %s mode', (mode) => {
    const sealed = encryptPushXml({ account, plaintext: officialAccountEvents.qrSubscribe, toUserName: 'toUser', mode });
    const push = decodePush({ account, query: sealed.query, body: sealed.body, format: 'xml', maxBytes: LIMIT });
    expect(push).toMatchObject({ kind: 'subscribe', openid: 'FromUser', scene: '123123', Ticket: 'TICKET' });
  });

  it.each(['safe', 'compatible'] as const)('JSON, %s mode', (mode) => {
    const sealed = encryptPushJson({ account, plaintext: authorizationRevoke.json, toUserName: 'gh_870882ca4b1', mode });
    const push = decodePush({ account, query: sealed.query, body: sealed.body, format: 'json', maxBytes: LIMIT });
    expect(push).toMatchObject({ kind: 'user_authorization_revoke', openid: 'oaKk343WOktAaT2ygsX138BGblrg' });
  });
});

describe('verifyUrl', () => {
  it('returns echostr verbatim for the documentation example', () => {
    const { token, urlVerification } = miniProgramDocJson;
    expect(verifyUrl({ token, query: urlVerification })).toBe('4375120948345356249');
  });

  it('refuses a bad signature with 403', () => {
    const { token, urlVerification } = miniProgramDocJson;
    expect(failure(() => verifyUrl({ token: `${token}x`, query: urlVerification }))).toEqual({ code: 'invalid_signature', status: 403 });
    expect(failure(() => verifyUrl({ token, query: { ...urlVerification, nonce: '1' } })).code).toBe('invalid_signature');
  });

  it('is also exported next to decodePush', async () => {
    const module = await import('../../src/wechat/decodePush.ts');
    expect(module.verifyUrl).toBe(verifyUrl);
  });
});
