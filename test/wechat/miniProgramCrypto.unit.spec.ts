import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { WechatError } from '../../src/wechat/errors.ts';
import { decryptUserData, verifyRawDataSignature } from '../../src/wechat/miniProgramCrypto.ts';
import { miniProgramRawData, miniProgramUserData } from './publishedVectors.ts';

const sample = miniProgramUserData;
const producedAt = sample.watermarkTimestamp * 1000;

function failure(action: () => unknown): { code: string; message: string } {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(WechatError);
    return { code: (error as WechatError).code, message: (error as Error).message };
  }
  throw new Error('expected a WechatError');
}

/** Seals our own JSON the way WeChat does, to vary fields the published sample cannot. */
function seal(data: unknown, sessionKey = sample.sessionKey, iv = sample.iv): string {
  const aes = createCipheriv('aes-128-cbc', Buffer.from(sessionKey, 'base64'), Buffer.from(iv, 'base64'));
  return Buffer.concat([aes.update(JSON.stringify(data), 'utf8'), aes.final()]).toString('base64');
}

describe('verifyRawDataSignature', () => {
  it('accepts the documentation example and refuses a tampered one', () => {
    const { rawData, sessionKey, signature } = miniProgramRawData;
    expect(verifyRawDataSignature(rawData, sessionKey, signature)).toBe(true);
    expect(verifyRawDataSignature(rawData.replace('Band', 'Bond'), sessionKey, signature)).toBe(false);
    expect(verifyRawDataSignature(rawData, sessionKey, signature.slice(1))).toBe(false);
    expect(verifyRawDataSignature(rawData, sessionKey, undefined)).toBe(false);
  });
});

describe('decryptUserData', () => {
  const input = { ...sample, watermarkMaxAgeSeconds: null };

  it('decrypts the published sample; unionId has a capital I', () => {
    const data = decryptUserData(input);
    expect(data.openId).toBe(sample.openId);
    expect(data.unionId).toBe(sample.unionId);
    expect(data.watermark).toEqual({ appid: sample.appid, timestamp: sample.watermarkTimestamp });
    expect(data.nickName).toBe('Band');
  });

  it('accepts data within the freshness bound and refuses older data', () => {
    expect(decryptUserData({ ...input, watermarkMaxAgeSeconds: 300, now: producedAt + 300_000 }).openId).toBe(sample.openId);
    expect(failure(() => decryptUserData({ ...input, watermarkMaxAgeSeconds: 300, now: producedAt + 301_000 })).code).toBe(
      'watermark_stale',
    );
    // A watermark from the future is as suspicious as an old one.
    expect(failure(() => decryptUserData({ ...input, watermarkMaxAgeSeconds: 300, now: producedAt - 301_000 })).code).toBe(
      'watermark_stale',
    );
  });

  it('does not bound freshness when the bound is null (the sample is from 2016)', () => {
    expect(decryptUserData({ ...input, now: Date.now() }).openId).toBe(sample.openId);
  });

  it('refuses data produced for another app', () => {
    expect(failure(() => decryptUserData({ ...input, appid: 'wx0000000000000000' })).code).toBe('watermark_mismatch');
    const noWatermark = seal({ openId: 'o1' });
    expect(failure(() => decryptUserData({ ...input, encryptedData: noWatermark })).code).toBe('watermark_mismatch');
  });

  it('refuses a wrong session key or iv without revealing the key', () => {
    const wrongKey = Buffer.alloc(16, 7).toString('base64');
    const wrong = failure(() => decryptUserData({ ...input, sessionKey: wrongKey }));
    expect(wrong.code).toBe('decrypt_failed');
    expect(wrong.message).not.toContain(wrongKey);
    expect(failure(() => decryptUserData({ ...input, sessionKey: 'c2hvcnQ=' })).code).toBe('decrypt_failed');
    expect(failure(() => decryptUserData({ ...input, iv: 'c2hvcnQ=' })).code).toBe('decrypt_failed');
    expect(failure(() => decryptUserData({ ...input, encryptedData: sample.encryptedData.slice(0, 40) })).code).toBe('decrypt_failed');
  });

  it('refuses decrypted data without openId', () => {
    const phoneOnly = seal({ phoneNumber: '+8613800000000', watermark: { appid: sample.appid, timestamp: 1 } });
    expect(failure(() => decryptUserData({ ...input, encryptedData: phoneOnly })).code).toBe('malformed_payload');
  });
});
