import { describe, expect, it } from 'vitest';
import { contentDigest, nonceExpiry, nonceKey, UNBOUNDED_MEMORY_SECONDS } from '../../src/wechat/callbackNonces.ts';

const url = { appid: 'wxa', timestamp: '1750000000', nonce: '42', signature: 'ab12cd' };

describe('callback nonces: what is remembered, and for how long', () => {
  it('is one key per (appid, timestamp, nonce, signature), whatever case the hex signature was sent in', () => {
    expect(nonceKey(url)).toEqual(nonceKey({ ...url, signature: 'AB12CD' }));
    for (const other of [{ appid: 'wxb' }, { timestamp: '1750000001' }, { nonce: '43' }, { signature: 'ab12ce' }]) {
      expect(nonceKey({ ...url, ...other })).not.toEqual(nonceKey(url));
    }
    // Parts are separated, so moving characters between them makes another key.
    expect(nonceKey({ ...url, timestamp: '175000000', nonce: '042' })).not.toEqual(nonceKey(url));
  });

  it('tells documents apart by their digest', () => {
    expect(contentDigest('<xml>a</xml>')).toEqual(contentDigest('<xml>a</xml>'));
    expect(contentDigest('<xml>a</xml>')).not.toEqual(contentDigest('<xml>b</xml>'));
  });

  it('keeps a URL while its timestamp is accepted, plus a clock margin; a day without a window', () => {
    const now = 1_750_000_100_000;
    const expiry = nonceExpiry(url.timestamp, 300, now).getTime() / 1000;
    expect(expiry).toBeGreaterThanOrEqual(1_750_000_000 + 300);
    expect(expiry).toBeLessThanOrEqual(1_750_000_000 + 300 + 120);
    expect(nonceExpiry(url.timestamp, null, now).getTime() / 1000).toBeGreaterThanOrEqual(now / 1000 + UNBOUNDED_MEMORY_SECONDS);
  });
});
