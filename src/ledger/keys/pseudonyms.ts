import { createHmac } from 'node:crypto';

/**
 * Keyed digests (HMAC-SHA256 under the ledger's pseudonym secret) that stand in for personal
 * data wherever the ledger must find or compare it without keeping it: the subject of an event
 * (appid + openid), a unionid, an idempotency key (which names openids and codes), and the
 * content of an event (a repeated idempotency key with other content is a conflict), and what a
 * signed callback URL carried (a reused URL with another body is refused). Without
 * the secret they cannot be linked to a person; with it, a known openid can be looked up, which
 * is what queries by openid and the erasure register need. 128 bits, hex.
 */
export type Pseudonyms = {
  subject(appid: string, openid: string): string;
  unionid(unionid: string): string;
  idempotencyKey(key: string): string;
  fingerprint(type: string, canonicalData: string): string;
  /** What a signed callback URL carried, to one account (src/wechat/callbackNonces.ts): 32 bytes. */
  callbackContent(appid: string, content: string): Buffer;
};

export function createPseudonyms(secret: Buffer): Pseudonyms {
  const digest = (domain: string, ...parts: string[]) => {
    const hmac = createHmac('sha256', secret).update(domain);
    for (const part of parts) hmac.update('\u0000').update(part);
    return hmac.digest('hex').slice(0, 32);
  };
  return {
    subject: (appid, openid) => digest('subject', appid, openid),
    unionid: (unionid) => digest('unionid', unionid),
    idempotencyKey: (key) => digest('idempotency-key', key),
    fingerprint: (type, canonicalData) => digest('content', type, canonicalData),
    callbackContent: (appid, content) => createHmac('sha256', secret).update('callback-content').update('\u0000').update(appid).update('\u0000').update(content).digest(),
  };
}
