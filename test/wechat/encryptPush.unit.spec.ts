import { describe, expect, it } from 'vitest';
import { encryptPushJson, encryptPushXml } from '../../src/wechat/encryptPush.ts';
import { createMessageCrypto } from '../../src/wechat/messageCrypto.ts';
import { parseJson } from '../../src/wechat/parseJson.ts';
import { parseXml } from '../../src/wechat/parseXml.ts';
import { computeSignature, verifyMsgSignature } from '../../src/wechat/signature.ts';
import { miniProgramDocJson, officialAccountEvents, wechatpyCrypto } from './publishedVectors.ts';

const account = { appid: miniProgramDocJson.appid, token: miniProgramDocJson.token, encodingAESKey: miniProgramDocJson.encodingAESKey };

describe('encryptPushXml', () => {
  it('builds the safe-mode envelope <xml><ToUserName/><Encrypt/></xml> and its query string', () => {
    const sealed = encryptPushXml({ account, plaintext: officialAccountEvents.subscribe, toUserName: 'gh_97417a04a28d', timestamp: '1714112445', nonce: '415670741' });
    const envelope = parseXml(sealed.body, 64 * 1024);
    expect(Object.keys(envelope)).toEqual(['ToUserName', 'Encrypt']);
    expect(envelope.ToUserName).toBe('gh_97417a04a28d');
    expect(sealed.query).toEqual({
      // The same timestamp/nonce/token as the documentation example give its published signature.
      signature: miniProgramDocJson.query.signature,
      timestamp: '1714112445',
      nonce: '415670741',
      msg_signature: expect.any(String),
      encrypt_type: 'aes',
    });
    const { token } = account;
    expect(verifyMsgSignature(token, '1714112445', '415670741', envelope.Encrypt as string, sealed.query.msg_signature)).toBe(true);
    expect(createMessageCrypto(account).decrypt(envelope.Encrypt as string)).toBe(officialAccountEvents.subscribe);
  });

  it('reproduces a published ciphertext when given its random bytes', () => {
    const sealed = encryptPushXml({
      account: wechatpyCrypto,
      plaintext: wechatpyCrypto.reply,
      toUserName: 'x',
      timestamp: wechatpyCrypto.timestamp,
      nonce: wechatpyCrypto.nonce,
      random16: wechatpyCrypto.random16,
    });
    expect(sealed.body).toContain(`<Encrypt><![CDATA[${wechatpyCrypto.replyEncrypt}]]></Encrypt>`);
    expect(sealed.query.msg_signature).toBe(wechatpyCrypto.replyMsgSignature);
  });

  it('keeps the clear fields in compatibility mode', () => {
    const sealed = encryptPushXml({ account, plaintext: officialAccountEvents.qrSubscribe, toUserName: 'toUser', mode: 'compatible' });
    const fields = parseXml(sealed.body, 64 * 1024);
    expect(fields.EventKey).toBe('qrscene_123123');
    expect(createMessageCrypto(account).decrypt(fields.Encrypt as string)).toBe(officialAccountEvents.qrSubscribe);
  });

  it('generates a timestamp and nonce that sign correctly when none are given', () => {
    const { query } = encryptPushXml({ account, plaintext: '<xml/>', toUserName: 'gh' });
    expect(query.timestamp).toMatch(/^\d{10}$/);
    expect(query.signature).toBe(computeSignature(account.token, query.timestamp, query.nonce));
  });

  it('escapes a ToUserName that would close the CDATA section', () => {
    const sealed = encryptPushXml({ account, plaintext: '<xml/>', toUserName: 'a]]>b' });
    expect(parseXml(sealed.body, 64 * 1024).ToUserName).toBe('a]]>b');
  });
});

describe('encryptPushJson', () => {
  it('builds {"ToUserName","Encrypt"} like the documentation example', () => {
    const sealed = encryptPushJson({
      account,
      plaintext: miniProgramDocJson.decrypted,
      toUserName: 'gh_97417a04a28d',
      timestamp: miniProgramDocJson.query.timestamp,
      nonce: miniProgramDocJson.query.nonce,
    });
    const envelope = JSON.parse(sealed.body) as Record<string, string>;
    expect(Object.keys(envelope)).toEqual(['ToUserName', 'Encrypt']);
    expect(createMessageCrypto(account).decrypt(envelope.Encrypt as string)).toBe(miniProgramDocJson.decrypted);
    expect(sealed.query.signature).toBe(miniProgramDocJson.query.signature);
  });

  it('splices Encrypt into the clear JSON in compatibility mode without rounding long integers', () => {
    const plaintext = '{"ToUserName":"gh_1","MsgId":1234567890123456789}';
    const sealed = encryptPushJson({ account, plaintext, toUserName: 'gh_1', mode: 'compatible' });
    const fields = parseJson(sealed.body, 64 * 1024);
    expect(fields.MsgId).toBe('1234567890123456789');
    expect(createMessageCrypto(account).decrypt(fields.Encrypt as string)).toBe(plaintext);
    expect(parseJson(encryptPushJson({ account, plaintext: '{ }', toUserName: 'x', mode: 'compatible' }).body, 1024)).toHaveProperty('Encrypt');
  });
});
