import { CryptoError, SignatureError } from './errors.ts';
import { createMessageCrypto } from './messageCrypto.ts';
import { parseJson } from './parseJson.ts';
import { parseXml } from './parseXml.ts';
import { parsePush, type Push } from './pushes.ts';
import { verifyMsgSignature, verifySignature } from './signature.ts';

// The GET handshake belongs to the same callback URL; callers may import it from here.
export { verifyUrl } from './verifyUrl.ts';

export type PushFormat = 'xml' | 'json';

export interface DecodePushInput {
  account: { appid: string; token: string; encodingAESKey?: string | undefined };
  query: {
    signature?: string | undefined;
    timestamp?: string | undefined;
    nonce?: string | undefined;
    msg_signature?: string | undefined;
    encrypt_type?: string | undefined;
  };
  body: string;
  /** When it names xml or json it wins over `format` (see pickFormat). */
  contentType?: string | undefined;
  /** The account's configured push format (OA: xml; MP: xml or json). */
  format: PushFormat;
  maxBytes: number;
  /**
   * Refuse pushes without `Encrypt`. `signature` covers only token, timestamp and nonce, so for an
   * account in safe or compatible mode a plain body would let anyone holding one signed callback
   * URL (an access log) forge pushes; only `msg_signature` covers the content.
   */
  requireEncryption?: boolean | undefined;
  /** null or absent: WeChat's timestamp is not bounded (shared/DESIGN.md §5). */
  timestampToleranceSeconds?: number | null | undefined;
  /** Milliseconds since the epoch; defaults to Date.now(). */
  now?: number | undefined;
}

/**
 * The whole inbound POST pipeline, without I/O: signature → (msg_signature → decrypt) → parse →
 * typed push. Throws a WechatError whose `code`/`status` the HTTP layer returns as is.
 */
export function decodePush(input: DecodePushInput): Push {
  const { account, query, maxBytes } = input;
  // `signature` comes with every push in every mode; checking it first means an unauthenticated
  // caller learns nothing about how we parse.
  if (!verifySignature(account.token, query.timestamp, query.nonce, query.signature)) {
    throw new SignatureError('invalid_signature', 'signature does not match');
  }
  checkTimestamp(query.timestamp ?? '', input.timestampToleranceSeconds, input.now ?? Date.now());

  const format = pickFormat(input.contentType, input.format);
  const outer = parseBody(input.body, format, maxBytes);
  const encrypt = outer.Encrypt;
  if (encrypt === undefined) {
    // WeChat said it encrypted the push; a clear body here was stripped or forged.
    if (query.encrypt_type?.toLowerCase() === 'aes') {
      throw new CryptoError('malformed_payload', 'encrypt_type=aes but the body has no Encrypt');
    }
    if (input.requireEncryption) {
      throw new SignatureError('encryption_required', 'this account accepts only encrypted (safe or compatible mode) pushes');
    }
    return parsePush(outer);
  }
  if (typeof encrypt !== 'string' || encrypt === '') {
    throw new CryptoError('malformed_payload', 'Encrypt must be a non-empty string');
  }
  if (!verifyMsgSignature(account.token, query.timestamp, query.nonce, encrypt, query.msg_signature)) {
    throw new SignatureError('invalid_signature', 'msg_signature does not match');
  }
  if (!account.encodingAESKey) throw new CryptoError('decrypt_failed', 'this account has no EncodingAESKey');
  const crypto = createMessageCrypto({ token: account.token, encodingAESKey: account.encodingAESKey, appid: account.appid });
  // Compatibility mode sends the fields in clear next to Encrypt. Only the ciphertext is covered
  // by msg_signature and bound to our appid, so the clear copy is ignored even when it differs.
  return parsePush(parseBody(crypto.decrypt(encrypt), format, maxBytes));
}

/**
 * A mini program's push format is switched in the WeChat console and the Content-Type of the
 * next push follows at once, while our configuration lags; so an explicit media type wins.
 */
function pickFormat(contentType: string | undefined, configured: PushFormat): PushFormat {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (mediaType.endsWith('json')) return 'json';
  if (mediaType.endsWith('xml')) return 'xml';
  return configured;
}

function parseBody(body: string, format: PushFormat, maxBytes: number): Record<string, unknown> {
  return format === 'json' ? parseJson(body, maxBytes) : parseXml(body, maxBytes);
}

function checkTimestamp(timestamp: string, toleranceSeconds: number | null | undefined, nowMs: number): void {
  if (toleranceSeconds === null || toleranceSeconds === undefined) return;
  const skew = Math.abs(nowMs / 1000 - Number(timestamp));
  if (!/^\d{1,12}$/.test(timestamp) || !(skew <= toleranceSeconds)) {
    throw new SignatureError('stale_timestamp', `timestamp is more than ${toleranceSeconds}s from now`);
  }
}
