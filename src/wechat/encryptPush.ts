import { randomInt } from 'node:crypto';
import { createMessageCrypto } from './messageCrypto.ts';
import { computeSignature } from './signature.ts';

/**
 * Builds what WeChat POSTs in safe mode (only the ciphertext) or compatibility mode (the clear
 * push plus the ciphertext), with the query string that authenticates it. Used by tests and the
 * push simulator; the inverse of decodePush.
 */
export interface EncryptPushInput {
  account: { appid: string; token: string; encodingAESKey: string };
  /** The push as it would be sent in plain mode: an `<xml>…</xml>` or `{…}` document. */
  plaintext: string;
  /** The envelope's ToUserName: the account's original id (gh_…). */
  toUserName: string;
  mode?: 'safe' | 'compatible' | undefined;
  timestamp?: string | undefined;
  nonce?: string | undefined;
  random16?: Uint8Array | string | undefined;
}

export interface EncryptedPush {
  body: string;
  query: { signature: string; timestamp: string; nonce: string; msg_signature: string; encrypt_type: 'aes' };
}

export function encryptPushXml(input: EncryptPushInput): EncryptedPush {
  return seal(input, (encrypt) => {
    const field = `<Encrypt>${cdata(encrypt)}</Encrypt>`;
    if (input.mode === 'compatible') {
      const close = input.plaintext.lastIndexOf('</xml>');
      if (close < 0) throw new RangeError('plaintext must be an <xml> document');
      return `${input.plaintext.slice(0, close)}${field}${input.plaintext.slice(close)}`;
    }
    return `<xml><ToUserName>${cdata(input.toUserName)}</ToUserName>${field}</xml>`;
  });
}

export function encryptPushJson(input: EncryptPushInput): EncryptedPush {
  return seal(input, (encrypt) => {
    if (input.mode === 'compatible') {
      // Spliced as text, not re-serialised: JSON.stringify would round long MsgIds.
      const close = input.plaintext.lastIndexOf('}');
      if (close < 0) throw new RangeError('plaintext must be a JSON object');
      const head = input.plaintext.slice(0, close).trimEnd();
      const separator = head.endsWith('{') ? '' : ',';
      return `${head}${separator}"Encrypt":${JSON.stringify(encrypt)}${input.plaintext.slice(close)}`;
    }
    return JSON.stringify({ ToUserName: input.toUserName, Encrypt: encrypt });
  });
}

function seal(input: EncryptPushInput, envelope: (encrypt: string) => string): EncryptedPush {
  const { account } = input;
  const crypto = createMessageCrypto(account);
  const timestamp = input.timestamp ?? String(Math.floor(Date.now() / 1000));
  const nonce = input.nonce ?? String(randomInt(100_000_000, 1_000_000_000));
  const encrypt = crypto.encrypt(input.plaintext, input.random16);
  return {
    body: envelope(encrypt),
    query: {
      signature: computeSignature(account.token, timestamp, nonce),
      timestamp,
      nonce,
      msg_signature: crypto.sign(timestamp, nonce, encrypt),
      encrypt_type: 'aes',
    },
  };
}

function cdata(value: string): string {
  return `<![CDATA[${value.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;
}
