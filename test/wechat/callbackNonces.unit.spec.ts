import { describe, expect, it } from 'vitest';
import { contentDigest, nonceExpiry, nonceKey, UNBOUNDED_MEMORY_SECONDS } from '../../src/wechat/callbackNonces.ts';

const url = { appid: 'wxa', timestamp: '1750000000', nonce: '42', signature: 'ab12cd' };

describe('callback nonces: what is remembered, and for how long', () => {
  it('is one key per signed URL (timestamp, nonce, signature) whatever the account, whatever case the hex signature was sent in', () => {
    expect(nonceKey(url)).toEqual(nonceKey({ ...url, signature: 'AB12CD' }));
    // The signature does not name the account: the same URL posted to another appid is the same URL.
    expect(nonceKey({ ...url, appid: 'wxb' } as typeof url)).toEqual(nonceKey(url));
    for (const other of [{ timestamp: '1750000001' }, { nonce: '43' }, { signature: 'ab12ce' }]) {
      expect(nonceKey({ ...url, ...other })).not.toEqual(nonceKey(url));
    }
    // Parts are separated, so moving characters between them makes another key.
    expect(nonceKey({ ...url, timestamp: '175000000', nonce: '042' })).not.toEqual(nonceKey(url));
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
