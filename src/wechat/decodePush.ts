import { messageModeOf, type MessageMode } from '../config/schema.ts';
import { CryptoError, SignatureError } from './errors.ts';
import { createMessageCrypto } from './messageCrypto.ts';
import { parseJson } from './parseJson.ts';
import { parseXml } from './parseXml.ts';
import { parsePush, type Push } from './pushes.ts';
import { verifyMsgSignature } from './signature.ts';
import { verifyCallbackUrl } from './verifyUrl.ts';

// The GET handshake belongs to the same callback URL; callers may import it from here.
export { verifyUrl } from './verifyUrl.ts';

export type PushFormat = 'xml' | 'json';

export interface DecodePushInput {
  /**
   * `messageMode` mirrors the console's 消息加解密方式 (default: safe with a key, plain without).
   * In compatible and safe mode a push without `Encrypt` is refused: `signature` covers only
   * token, timestamp and nonce, so a plain body would let anyone holding one signed callback URL
   * (an access log) write the body; only `msg_signature` covers the content. In plain mode an
   * encrypted push is still read (and trusted only for its ciphertext), so switching the console
   * from plain to safe before the configuration loses nothing.
   */
  account: { appid: string; token: string; encodingAESKey?: string | undefined; messageMode?: MessageMode | undefined };
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
   * How far `timestamp` may be from now. null or absent: unbounded (the configuration's default
   * is 300 s, wechat.timestampToleranceSeconds; null there is an explicit opt-out).
   */
  timestampToleranceSeconds?: number | null | undefined;
  /** Milliseconds since the epoch; defaults to Date.now(). */
  now?: number | undefined;
}

/**
 * A verified push and the document it was read from: the body in plain mode, the decrypted
 * message otherwise — what the signatures vouch for, so what a replay must not change.
 */
export type OpenedPush = { push: Push; content: string };

/**
 * The whole inbound POST pipeline, without I/O: signature → (msg_signature → decrypt) → parse →
 * typed push. Throws a WechatError whose `code`/`status` the HTTP layer returns as is.
 */
export function decodePush(input: DecodePushInput): Push {
  return openPush(input).push;
}

/** decodePush, also returning the trusted document (for the replay check, callbackNonces.ts). */
export function openPush(input: DecodePushInput): OpenedPush {
  // `signature` comes with every push in every mode; checking it first means an unauthenticated
  // caller learns nothing about how we parse.
  verifyCallbackUrl({ token: input.account.token, query: input.query, timestampToleranceSeconds: input.timestampToleranceSeconds, now: input.now });
  return openVerifiedPush(input);
}

/**
 * openPush for a caller that has already checked the URL with verifyCallbackUrl (ingestPush,
 * which spends the URL between the two): decrypts and parses, checking only `msg_signature`.
 */
export function openVerifiedPush(input: DecodePushInput): OpenedPush {
  const { account, query, maxBytes } = input;
  const format = pickFormat(input.contentType, input.format);
  const outer = parseBody(input.body, format, maxBytes);
  const encrypt = outer.Encrypt;
  if (encrypt === undefined) {
    // WeChat said it encrypted the push; a clear body here was stripped or forged.
    if (query.encrypt_type?.toLowerCase() === 'aes') {
      throw new CryptoError('malformed_payload', 'encrypt_type=aes but the body has no Encrypt');
    }
    const mode = messageModeOf(account);
    if (mode !== 'plain') {
      throw new SignatureError('encryption_required', `this account is in ${mode} mode: a push without Encrypt is refused`);
    }
    return { push: parsePush(outer), content: input.body };
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
  const content = crypto.decrypt(encrypt);
  return { push: parsePush(parseBody(content, format, maxBytes)), content };
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
