/**
 * Errors raised while reading what WeChat sends us. Each carries a stable `code` that ends up in
 * HTTP error bodies (`{error: {code, message}}`, shared/DESIGN.md §4) and a suggested `status`,
 * so the HTTP layer maps them without knowing protocol details. Messages never contain keys,
 * tokens or session keys.
 */
export abstract class WechatError extends Error {
  abstract readonly code: string;
  abstract readonly status: number;
}

/**
 * The request does not prove it came from WeChat: answer 403, do not look at the body further.
 * `replayed_nonce`: a signed URL already used with another body (a captured URL, not a retry).
 */
export class SignatureError extends WechatError {
  readonly code: 'invalid_signature' | 'stale_timestamp' | 'encryption_required' | 'replayed_nonce';
  readonly status = 403;
  constructor(code: SignatureError['code'], message: string) {
    super(message);
    this.name = 'SignatureError';
    this.code = code;
  }
}

/** A ciphertext (safe-mode push or mini program user data) that cannot be trusted. */
export class CryptoError extends WechatError {
  readonly code: 'decrypt_failed' | 'appid_mismatch' | 'malformed_payload';
  readonly status = 400;
  constructor(code: CryptoError['code'], message: string) {
    super(message);
    this.name = 'CryptoError';
    this.code = code;
  }
}

/**
 * A body we refuse to interpret: too large, hostile, malformed, missing required fields, with
 * a CreateTime that cannot be the push's time (`invalid_create_time`), or addressed to another
 * account (`wrong_account`).
 */
export class PayloadError extends WechatError {
  readonly code: 'payload_too_large' | 'hostile_xml' | 'malformed_xml' | 'malformed_json' | 'invalid_push' | 'invalid_create_time' | 'wrong_account';
  readonly status: number;
  constructor(code: PayloadError['code'], message: string) {
    super(message);
    this.name = 'PayloadError';
    this.code = code;
    this.status = code === 'payload_too_large' ? 413 : 400;
  }
}

/** Decrypted mini program data that belongs to another app or is too old to be a fresh login. */
export class WatermarkError extends WechatError {
  readonly code: 'watermark_mismatch' | 'watermark_stale';
  readonly status = 400;
  constructor(code: WatermarkError['code'], message: string) {
    super(message);
    this.name = 'WatermarkError';
    this.code = code;
  }
}
