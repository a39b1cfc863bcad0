import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { keyedContentDigest, nonceExpiry, nonceKey, UNBOUNDED_MEMORY_SECONDS } from '../../src/wechat/callbackNonces.ts';
import { computeSignature } from '../../src/wechat/signature.ts';

const url = { appid: 'wxa', timestamp: '1750000000', nonce: '42', signature: 'ab12cd' };

describe('callback nonces: what is remembered, and for how long', () => {
  it('is one key per signature — what the signature covers — whatever the account, whatever case the hex signature was sent in', () => {
    expect(nonceKey(url)).toEqual(nonceKey({ ...url, signature: 'AB12CD' }));
    // The signature does not name the account: the same URL posted to another appid is the same URL.
    expect(nonceKey({ ...url, appid: 'wxb' } as typeof url)).toEqual(nonceKey(url));
    expect(nonceKey({ ...url, signature: 'ab12ce' })).not.toEqual(nonceKey(url));
  });

  it('makes every split of one signed URL the same claim: the signature joins timestamp and nonce without a separator (red team 2, F2)', () => {
    const token = 'QDG6eK';
    const timestamp = '1796323000';
    const nonce = '372549413';
    const signature = computeSignature(token, timestamp, nonce);
    const splits = [
      { timestamp: nonce, nonce: timestamp }, // swapped: sorting makes the order irrelevant
      { timestamp: '17963230003', nonce: '72549413' }, // digits moved from the nonce to the timestamp
      { timestamp: '179632', nonce: '3000372549413' }, // and the other way
    ];
    for (const split of splits) {
      expect(computeSignature(token, split.timestamp, split.nonce)).toBe(signature);
      expect(nonceKey({ ...split, signature })).toEqual(nonceKey({ timestamp, nonce, signature }));
    }
    expect(nonceKey({ timestamp, nonce: '372549414', signature: computeSignature(token, timestamp, '372549414') })).not.toEqual(nonceKey({ timestamp, nonce, signature }));
  });

  const contentDigest = keyedContentDigest(Buffer.alloc(32, 1)) as (appid: string, content: string) => Buffer;

  it('keys the digest: without the key a database reader cannot confirm a guess of the content', () => {
    const other = keyedContentDigest(Buffer.alloc(32, 2)) as typeof contentDigest;
    expect(contentDigest('wxa', 'POST\u0000<xml>a</xml>')).not.toEqual(other('wxa', 'POST\u0000<xml>a</xml>'));
    const guesses = ['POST\u0000<xml>a</xml>', '<xml>a</xml>', 'wxa\u0000POST\u0000<xml>a</xml>'].map((text) => createHash('sha256').update(text).digest());
    for (const guess of guesses) expect(contentDigest('wxa', 'POST\u0000<xml>a</xml>')).not.toEqual(guess);
  });

  it('tells documents apart by their digest, and the same bytes for another account too', () => {
    expect(contentDigest('wxa', '<xml>a</xml>')).toEqual(contentDigest('wxa', '<xml>a</xml>'));
    expect(contentDigest('wxa', '<xml>a</xml>')).not.toEqual(contentDigest('wxa', '<xml>b</xml>'));
    expect(contentDigest('wxa', '<xml>a</xml>')).not.toEqual(contentDigest('wxb', '<xml>a</xml>'));
  });

  it('keeps a URL while its timestamp is accepted, plus a clock margin; a day without a window', () => {
    const now = 1_750_000_100_000;
    const expiry = nonceExpiry(url.timestamp, 300, now).getTime() / 1000;
    expect(expiry).toBeGreaterThanOrEqual(1_750_000_000 + 300);
    expect(expiry).toBeLessThanOrEqual(1_750_000_000 + 300 + 120);
    expect(nonceExpiry(url.timestamp, null, now).getTime() / 1000).toBeGreaterThanOrEqual(now / 1000 + UNBOUNDED_MEMORY_SECONDS);
  });
});
