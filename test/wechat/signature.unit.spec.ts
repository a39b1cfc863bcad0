import { describe, expect, it } from 'vitest';
import {
  computeMsgSignature,
  computeSignature,
  verifyMsgSignature,
  verifySignature,
} from '../../src/wechat/signature.ts';
import {
  miniProgramDocJson,
  officialCSharpSample,
  officialPythonSample,
  wechatpyCrypto,
  wechatpySignature,
} from './publishedVectors.ts';

describe('signature (token, timestamp, nonce)', () => {
  it('matches wechatpy tests/test_utils.py', () => {
    const { token, timestamp, nonce, signature } = wechatpySignature;
    expect(computeSignature(token, timestamp, nonce)).toBe(signature);
    expect(verifySignature(token, timestamp, nonce, signature)).toBe(true);
  });

  it('matches the three examples of the mini program message-push documentation', () => {
    const { token, query, urlVerification, plainPost } = miniProgramDocJson;
    expect(computeSignature(token, urlVerification.timestamp, urlVerification.nonce)).toBe(urlVerification.signature);
    expect(computeSignature(token, plainPost.timestamp, plainPost.nonce)).toBe(plainPost.signature);
    // Safe mode still carries a valid plain `signature` next to msg_signature.
    expect(computeSignature(token, query.timestamp, query.nonce)).toBe(query.signature);
  });

  it('rejects a signature that differs in the last digit (wechatpy _should_fail)', () => {
    const { token, timestamp, nonce, wrongSignature } = wechatpySignature;
    expect(verifySignature(token, timestamp, nonce, wrongSignature)).toBe(false);
  });

  it('rejects wrong lengths, empty and missing values without throwing', () => {
    const { token, timestamp, nonce, signature } = wechatpySignature;
    expect(verifySignature(token, timestamp, nonce, signature.slice(0, 39))).toBe(false);
    expect(verifySignature(token, timestamp, nonce, `${signature}0`)).toBe(false);
    expect(verifySignature(token, timestamp, nonce, '')).toBe(false);
    expect(verifySignature(token, timestamp, nonce, undefined)).toBe(false);
    expect(verifySignature(token, undefined, nonce, signature)).toBe(false);
    expect(verifySignature(token, timestamp, undefined, signature)).toBe(false);
  });

  it('accepts the same digest in upper case', () => {
    const { token, timestamp, nonce, signature } = wechatpySignature;
    expect(verifySignature(token, timestamp, nonce, signature.toUpperCase())).toBe(true);
  });
});

describe('msg_signature (token, timestamp, nonce, Encrypt)', () => {
  it.each([
    ['WeChat Python sample', officialPythonSample],
    ['WeChat C# sample', officialCSharpSample],
  ])('matches the %s', (_, v) => {
    expect(computeMsgSignature(v.token, v.timestamp, v.nonce, v.encrypt)).toBe(v.msgSignature);
    expect(verifyMsgSignature(v.token, v.timestamp, v.nonce, v.encrypt, v.msgSignature)).toBe(true);
  });

  it('matches wechatpy tests/test_crypto.py and the mini program documentation', () => {
    const w = wechatpyCrypto;
    expect(computeMsgSignature(w.token, w.timestamp, w.nonce, w.decryptEncrypt)).toBe(w.decryptSignature);
    expect(computeMsgSignature(w.token, w.timestamp, w.nonce, w.replyEncrypt)).toBe(w.replyMsgSignature);
    const m = miniProgramDocJson;
    expect(computeMsgSignature(m.token, m.query.timestamp, m.query.nonce, m.encrypt)).toBe(m.query.msg_signature);
    expect(computeMsgSignature(m.token, m.reply.timestamp, m.reply.nonce, m.reply.encrypt)).toBe(m.reply.msgSignature);
  });

  it('fails when the ciphertext, the nonce or the signature is tampered with', () => {
    const v = officialPythonSample;
    const tampered = `${v.encrypt.slice(0, 10)}A${v.encrypt.slice(11)}`;
    expect(verifyMsgSignature(v.token, v.timestamp, v.nonce, tampered, v.msgSignature)).toBe(false);
    expect(verifyMsgSignature(v.token, v.timestamp, '1320562133', v.encrypt, v.msgSignature)).toBe(false);
    expect(verifyMsgSignature(v.token, v.timestamp, v.nonce, v.encrypt, v.msgSignature.replace('5d', '5e'))).toBe(false);
    expect(verifyMsgSignature(v.token, v.timestamp, v.nonce, v.encrypt, undefined)).toBe(false);
  });
});
