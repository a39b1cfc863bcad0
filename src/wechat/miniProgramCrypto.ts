import { createDecipheriv, createHash } from 'node:crypto';
import { constantTimeEqual } from './constantTimeEqual.ts';
import { CryptoError, WatermarkError } from './errors.ts';

/**
 * Mini program open data (wx.getUserInfo and friends): `signature = sha1(rawData + session_key)`
 * proves rawData is untampered; `encryptedData` is AES-128-CBC with key = base64(session_key),
 * iv from the client, standard 16-byte PKCS#7. The JSON inside spells `openId`/`unionId` with a
 * capital I and carries a watermark naming the app and the time it was produced.
 *
 * The session key is a secret: it never appears in an error message.
 */
export function verifyRawDataSignature(rawData: string, sessionKey: string, signature: string | undefined): boolean {
  const expected = createHash('sha1').update(rawData + sessionKey, 'utf8').digest('hex');
  return constantTimeEqual(expected, signature);
}

export interface DecryptUserDataInput {
  encryptedData: string;
  iv: string;
  sessionKey: string;
  appid: string;
  /** null disables the freshness check; otherwise |now − watermark.timestamp| must not exceed it. */
  watermarkMaxAgeSeconds: number | null;
  /** Milliseconds since the epoch; defaults to Date.now(). */
  now?: number | undefined;
}

export interface UserData {
  openId: string;
  unionId?: string;
  watermark: { appid: string; timestamp: number };
  [field: string]: unknown;
}

export function decryptUserData(input: DecryptUserDataInput): UserData {
  const data = decryptJson(input.encryptedData, input.sessionKey, input.iv);
  const watermark = data.watermark as { appid?: unknown; timestamp?: unknown } | undefined;
  if (typeof watermark !== 'object' || watermark === null || watermark.appid !== input.appid) {
    throw new WatermarkError('watermark_mismatch', 'the data was produced for another app');
  }
  const timestamp = watermark.timestamp;
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) {
    throw new WatermarkError('watermark_stale', 'the watermark has no timestamp');
  }
  if (input.watermarkMaxAgeSeconds !== null) {
    const age = Math.abs((input.now ?? Date.now()) / 1000 - timestamp);
    if (age > input.watermarkMaxAgeSeconds) {
      throw new WatermarkError('watermark_stale', `the data is older than ${input.watermarkMaxAgeSeconds}s`);
    }
  }
  if (typeof data.openId !== 'string' || data.openId === '') {
    throw new CryptoError('malformed_payload', 'decrypted data has no openId');
  }
  if (data.unionId !== undefined && typeof data.unionId !== 'string') {
    throw new CryptoError('malformed_payload', 'decrypted unionId is not a string');
  }
  return data as UserData;
}

function decryptJson(encryptedData: string, sessionKey: string, iv: string): Record<string, unknown> {
  const key = Buffer.from(sessionKey, 'base64');
  const ivBytes = Buffer.from(iv, 'base64');
  if (key.length !== 16) throw new CryptoError('decrypt_failed', 'session key must be 16 bytes');
  if (ivBytes.length !== 16) throw new CryptoError('decrypt_failed', 'iv must be 16 bytes');
  let text: string;
  try {
    const aes = createDecipheriv('aes-128-cbc', key, ivBytes);
    text = Buffer.concat([aes.update(Buffer.from(encryptedData, 'base64')), aes.final()]).toString('utf8');
  } catch {
    // A wrong or stale session key shows up here as a padding error.
    throw new CryptoError('decrypt_failed', 'encryptedData could not be decrypted with this session key');
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through: a wrong key occasionally yields valid padding over garbage
  }
  throw new CryptoError('decrypt_failed', 'decrypted data is not a JSON object');
}
