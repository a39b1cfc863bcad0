import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ConfigError } from '../config/configError.ts';
import { CryptoError } from './errors.ts';
import { computeMsgSignature } from './signature.ts';

/**
 * WXBizMsgCrypt, the safe-mode message encryption of Official Accounts and Mini Programs:
 *
 *   Encrypt = base64(AES-256-CBC(key, iv = key[0..16), pkcs7_32(random16 ‖ len32be ‖ msg ‖ appid)))
 *   key     = base64decode(EncodingAESKey + "=")
 *
 * Two details break naive code: the PKCS#7 block is 32 bytes (pad byte 1…32), so a decipher
 * with Node's default 16-byte auto-padding throws on real messages; and `len` counts UTF-8
 * bytes, not characters.
 */
export interface MessageCryptoConfig {
  token: string;
  encodingAESKey: string;
  appid: string;
}

export interface MessageCrypto {
  /** Returns the message; throws CryptoError (`decrypt_failed`, `malformed_payload`, `appid_mismatch`). */
  decrypt(encrypt: string): string;
  /** `random16` (16 bytes, or a 16-byte string as in WeChat's samples) makes the output deterministic. */
  encrypt(plaintext: string, random16?: Uint8Array | string): string;
  /** `msg_signature` for a ciphertext, with this account's token. */
  sign(timestamp: string, nonce: string, encrypt: string): string;
}

const BLOCK = 32;
const HEADER = 20; // 16 random bytes + 4-byte length
const KEY_PATTERN = /^[A-Za-z0-9+/]{43}$/;
const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})+$|^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function createMessageCrypto(config: MessageCryptoConfig): MessageCrypto {
  if (!KEY_PATTERN.test(config.encodingAESKey)) {
    throw new ConfigError('EncodingAESKey must be 43 base64 characters', 'invalid_encoding_aes_key');
  }
  const key = Buffer.from(`${config.encodingAESKey}=`, 'base64');
  const iv = key.subarray(0, 16);
  const appid = Buffer.from(config.appid, 'utf8');

  return {
    decrypt(encrypt) {
      const padded = decipher(key, iv, encrypt);
      const content = unpad(padded);
      if (content.length < HEADER) throw new CryptoError('malformed_payload', 'decrypted message is too short');
      const length = content.readUInt32BE(16);
      if (HEADER + length > content.length) {
        throw new CryptoError('malformed_payload', 'decrypted length prefix exceeds the message');
      }
      const trailer = content.subarray(HEADER + length);
      if (!trailer.equals(appid)) {
        throw new CryptoError('appid_mismatch', 'the message was encrypted for another appid');
      }
      try {
        return utf8.decode(content.subarray(HEADER, HEADER + length));
      } catch {
        throw new CryptoError('malformed_payload', 'decrypted message is not UTF-8');
      }
    },

    encrypt(plaintext, random16) {
      const random = random16 === undefined ? randomBytes(16) : Buffer.from(random16);
      if (random.length !== 16) throw new RangeError('random16 must be exactly 16 bytes');
      const message = Buffer.from(plaintext, 'utf8');
      const length = Buffer.alloc(4);
      length.writeUInt32BE(message.length);
      const cipher = createCipheriv('aes-256-cbc', key, iv);
      cipher.setAutoPadding(false);
      const body = pad(Buffer.concat([random, length, message, appid]));
      return Buffer.concat([cipher.update(body), cipher.final()]).toString('base64');
    },

    sign(timestamp, nonce, encrypt) {
      return computeMsgSignature(config.token, timestamp, nonce, encrypt);
    },
  };
}

function decipher(key: Buffer, iv: Buffer, encrypt: string): Buffer {
  // Buffer.from(…, 'base64') silently skips junk; a ciphertext must be exact base64 of whole blocks.
  if (!BASE64_PATTERN.test(encrypt)) throw new CryptoError('decrypt_failed', 'Encrypt is not base64');
  const bytes = Buffer.from(encrypt, 'base64');
  if (bytes.length === 0 || bytes.length % BLOCK !== 0) {
    throw new CryptoError('decrypt_failed', 'ciphertext is not a whole number of 32-byte blocks');
  }
  const aes = createDecipheriv('aes-256-cbc', key, iv);
  aes.setAutoPadding(false);
  return Buffer.concat([aes.update(bytes), aes.final()]);
}

function pad(bytes: Buffer): Buffer {
  const count = BLOCK - (bytes.length % BLOCK);
  return Buffer.concat([bytes, Buffer.alloc(count, count)]);
}

function unpad(bytes: Buffer): Buffer {
  const count = bytes[bytes.length - 1] ?? 0;
  if (count < 1 || count > BLOCK) throw new CryptoError('decrypt_failed', 'invalid padding');
  for (let i = bytes.length - count; i < bytes.length; i++) {
    if (bytes[i] !== count) throw new CryptoError('decrypt_failed', 'invalid padding');
  }
  return bytes.subarray(0, bytes.length - count);
}
