import { createHash } from 'node:crypto';
import { constantTimeEqual } from './constantTimeEqual.ts';

/**
 * WeChat's request signatures: sha1 over the lexicographically sorted parts, concatenated.
 * `signature` (every push and the URL check) covers token, timestamp and nonce only — not the
 * body; `msg_signature` (safe and compatible mode) adds the `Encrypt` ciphertext.
 *
 * Plain `.sort()` compares UTF-16 code units; that equals WeChat's byte order here because the
 * token is restricted to letters and digits, timestamp and nonce are digits and Encrypt is base64.
 */
function sha1OfSorted(parts: string[]): string {
  return createHash('sha1').update(parts.sort().join(''), 'utf8').digest('hex');
}

export function computeSignature(token: string, timestamp: string, nonce: string): string {
  return sha1OfSorted([token, timestamp, nonce]);
}

export function computeMsgSignature(token: string, timestamp: string, nonce: string, encrypt: string): string {
  return sha1OfSorted([token, timestamp, nonce, encrypt]);
}

/** Missing parameters never verify: an absent timestamp must not hash like an empty one. */
export function verifySignature(
  token: string,
  timestamp: string | undefined,
  nonce: string | undefined,
  signature: string | undefined,
): boolean {
  if (timestamp === undefined || nonce === undefined || signature === undefined) return false;
  return constantTimeEqual(computeSignature(token, timestamp, nonce), signature);
}

export function verifyMsgSignature(
  token: string,
  timestamp: string | undefined,
  nonce: string | undefined,
  encrypt: string,
  msgSignature: string | undefined,
): boolean {
  if (timestamp === undefined || nonce === undefined || msgSignature === undefined) return false;
  return constantTimeEqual(computeMsgSignature(token, timestamp, nonce, encrypt), msgSignature);
}
