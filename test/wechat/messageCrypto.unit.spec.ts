import { createDecipheriv } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/configError.ts';
import { CryptoError } from '../../src/wechat/errors.ts';
import { createMessageCrypto } from '../../src/wechat/messageCrypto.ts';
import {
  miniProgramDocJson,
  officialCSharpSample,
  officialPythonSample,
  openPlatformPush,
  wechatpyCrypto,
  wxJavaChinese,
} from './publishedVectors.ts';
import { errorCodeOf } from './errorCodeOf.ts';

const codeOf = (action: () => unknown) => errorCodeOf(action);

/** Decrypts without unpadding, independently of the code under test, to look at the raw layout. */
function rawPlaintext(encodingAESKey: string, encrypt: string): Buffer {
  const key = Buffer.from(`${encodingAESKey}=`, 'base64');
  const aes = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
  aes.setAutoPadding(false);
  return Buffer.concat([aes.update(Buffer.from(encrypt, 'base64')), aes.final()]);
}

describe('createMessageCrypto: published ciphertexts', () => {
  it('decrypts the WeChat Python sample (newlines between elements)', () => {
    const crypto = createMessageCrypto(officialPythonSample);
    expect(crypto.decrypt(officialPythonSample.encrypt)).toBe(officialPythonSample.decrypted);
  });

  it('decrypts the WeChat C# sample, whose pad byte is 30', () => {
    const raw = rawPlaintext(officialCSharpSample.encodingAESKey, officialCSharpSample.encrypt);
    expect(raw.at(-1)).toBe(30);
    // The naive approach — Node's default 16-byte PKCS#7 — refuses this real message.
    const key = Buffer.from(`${officialCSharpSample.encodingAESKey}=`, 'base64');
    const naive = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
    expect(() => Buffer.concat([naive.update(Buffer.from(officialCSharpSample.encrypt, 'base64')), naive.final()])).toThrow();

    expect(createMessageCrypto(officialCSharpSample).decrypt(officialCSharpSample.encrypt)).toBe(officialCSharpSample.decrypted);
  });

  it('decrypts the mini program documentation JSON example, whose pad byte is 19', () => {
    expect(rawPlaintext(miniProgramDocJson.encodingAESKey, miniProgramDocJson.encrypt).at(-1)).toBe(19);
    expect(createMessageCrypto(miniProgramDocJson).decrypt(miniProgramDocJson.encrypt)).toBe(miniProgramDocJson.decrypted);
  });

  it('decrypts a real Open Platform push whose pad byte is exactly 16', () => {
    expect(rawPlaintext(openPlatformPush.encodingAESKey, openPlatformPush.encrypt).at(-1)).toBe(16);
    expect(createMessageCrypto(openPlatformPush).decrypt(openPlatformPush.encrypt)).toContain(
      `<MsgId>${openPlatformPush.msgId}</MsgId>`,
    );
  });

  it('decrypts wechatpy tests/test_crypto.py test_decrypt_message', () => {
    const text = createMessageCrypto(wechatpyCrypto).decrypt(wechatpyCrypto.decryptEncrypt);
    expect(text).toContain('<FromUserName><![CDATA[messense]]></FromUserName>');
    expect(text).toContain('<Content><![CDATA[test]]></Content>');
  });
});

describe('createMessageCrypto: encrypting reproduces published ciphertexts byte for byte', () => {
  it('wechatpy test_encrypt_message', () => {
    const crypto = createMessageCrypto(wechatpyCrypto);
    const encrypt = crypto.encrypt(wechatpyCrypto.reply, wechatpyCrypto.random16);
    expect(encrypt).toBe(wechatpyCrypto.replyEncrypt);
    expect(crypto.sign(wechatpyCrypto.timestamp, wechatpyCrypto.nonce, encrypt)).toBe(wechatpyCrypto.replyMsgSignature);
  });

  it('the mini program documentation reply example', () => {
    const crypto = createMessageCrypto(miniProgramDocJson);
    const { reply } = miniProgramDocJson;
    expect(crypto.encrypt(reply.message, reply.random16)).toBe(reply.encrypt);
  });

  it('WxJava: Chinese text, whose length prefix counts UTF-8 bytes (19), not characters (11)', () => {
    const crypto = createMessageCrypto(wxJavaChinese);
    const encrypt = crypto.encrypt(wxJavaChinese.message, wxJavaChinese.random16);
    expect(encrypt).toBe(wxJavaChinese.encrypt);
    expect(wxJavaChinese.message.length).toBe(11);
    expect(rawPlaintext(wxJavaChinese.encodingAESKey, encrypt).readUInt32BE(16)).toBe(19);
    expect(crypto.decrypt(wxJavaChinese.encrypt)).toBe(wxJavaChinese.message);
  });

  it('WxJava: an XML reply with Chinese inside a CDATA section', () => {
    const crypto = createMessageCrypto(wxJavaChinese);
    expect(crypto.encrypt(wxJavaChinese.message2, wxJavaChinese.random16)).toBe(wxJavaChinese.encrypt2);
    expect(crypto.decrypt(wxJavaChinese.encrypt2)).toBe(wxJavaChinese.message2);
  });
});

describe('createMessageCrypto: padding to 32-byte blocks', () => {
  const account = { token: 't', encodingAESKey: officialPythonSample.encodingAESKey, appid: 'wx2c2769f8efd9abc2' };

  it('pads every length with 1…32 bytes and reads each back', () => {
    const crypto = createMessageCrypto(account);
    const seen = new Set<number>();
    for (let length = 0; length < 32; length++) {
      const message = 'x'.repeat(length);
      const encrypt = crypto.encrypt(message);
      const raw = rawPlaintext(account.encodingAESKey, encrypt);
      // 16 random + 4 length + message + 18-byte appid, padded to a multiple of 32.
      const pad = raw.at(-1) as number;
      expect(raw.length % 32).toBe(0);
      expect(pad).toBe(32 - ((38 + length) % 32));
      seen.add(pad);
      expect(crypto.decrypt(encrypt)).toBe(message);
    }
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 32 }, (_, i) => i + 1));
  });

  it('round-trips arbitrary Unicode text (property)', () => {
    const crypto = createMessageCrypto(account);
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (message) => {
        const encrypt = crypto.encrypt(message);
        const raw = rawPlaintext(account.encodingAESKey, encrypt);
        expect(raw.readUInt32BE(16)).toBe(Buffer.byteLength(message, 'utf8'));
        expect(crypto.decrypt(encrypt)).toBe(message);
      }),
      { numRuns: 300 },
    );
  });
});

describe('createMessageCrypto: refusals', () => {
  it('refuses a message encrypted for another appid', () => {
    const foreign = createMessageCrypto({ ...officialPythonSample, appid: 'wx0000000000000000' });
    expect(codeOf(() => foreign.decrypt(officialPythonSample.encrypt))).toBe('appid_mismatch');
    expect(() => foreign.decrypt(officialPythonSample.encrypt)).toThrow(CryptoError);
  });

  it('refuses an appid that is only a prefix or an extension of ours', () => {
    const sealed = createMessageCrypto({ ...account(), appid: 'wx12345678' }).encrypt('hi');
    expect(codeOf(() => createMessageCrypto({ ...account(), appid: 'wx1234567' }).decrypt(sealed))).toBe('appid_mismatch');
    expect(codeOf(() => createMessageCrypto({ ...account(), appid: 'wx123456789' }).decrypt(sealed))).toBe('appid_mismatch');
  });

  it('refuses truncated ciphertexts', () => {
    const crypto = createMessageCrypto(officialCSharpSample);
    const bytes = Buffer.from(officialCSharpSample.encrypt, 'base64');
    // Not a whole number of blocks.
    expect(codeOf(() => crypto.decrypt(bytes.subarray(0, bytes.length - 3).toString('base64')))).toBe('decrypt_failed');
    // Whole blocks, but the last one is now a middle block whose last byte is no valid pad.
    for (const cut of [32, 64, 96]) {
      expect(codeOf(() => crypto.decrypt(bytes.subarray(0, bytes.length - cut).toString('base64')))).toBe('decrypt_failed');
    }
    expect(codeOf(() => crypto.decrypt(''))).toBe('decrypt_failed');
  });

  it('refuses a flipped ciphertext byte and text that is not base64', () => {
    const crypto = createMessageCrypto(officialPythonSample);
    const bytes = Buffer.from(officialPythonSample.encrypt, 'base64');
    // CBC: flipping byte 12 of the next-to-last block flips byte 12 of the last plaintext block,
    // which holds the trailing appid. (This is why msg_signature is checked before decrypting.)
    bytes[bytes.length - 20] = (bytes[bytes.length - 20] as number) ^ 0xff;
    expect(codeOf(() => crypto.decrypt(bytes.toString('base64')))).toBe('appid_mismatch');
    expect(codeOf(() => crypto.decrypt('not base64 at all!'))).toBe('decrypt_failed');
    expect(codeOf(() => crypto.decrypt(`${officialPythonSample.encrypt}\n`))).toBe('decrypt_failed');
  });

  it('refuses an EncodingAESKey that is not 43 base64 characters', () => {
    const key = officialPythonSample.encodingAESKey;
    for (const bad of [key.slice(0, 42), `${key}A`, `${key.slice(0, 42)}=`, `${key.slice(0, 42)}!`]) {
      expect(() => createMessageCrypto({ ...officialPythonSample, encodingAESKey: bad })).toThrow(ConfigError);
    }
  });

  function account() {
    return { token: 't', encodingAESKey: officialPythonSample.encodingAESKey, appid: 'x' };
  }
});
