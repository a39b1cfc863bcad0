import { describe, expect, it } from 'vitest';
import { cloudEventAttributes, percentEncode } from '../../src/bus/cloudEventHeaders.ts';
import type { LedgerEvent } from '../../src/ledger/events.ts';

describe('CloudEvents headers (NATS binding, binary content mode)', () => {
  it('maps id, type, time and the account to ce- attributes', () => {
    const event = {
      id: '0b7c8f1e-2a4d-4c4e-9d59-3f2b1a0c9e77',
      type: 'openid.converted',
      data: { fromAppid: 'wxold', fromOpenid: 'o1', toAppid: 'wxnew', toOpenid: 'o2' },
      occurredAt: '2026-01-02T03:04:05.678Z',
    } as unknown as LedgerEvent;
    expect(Object.fromEntries(cloudEventAttributes(event))).toEqual({
      'ce-specversion': '1.0',
      'ce-id': event.id,
      'ce-source': '/identity-ledger/wxold', // the subject's (old) account, as in the NATS subject
      'ce-type': 'openid.converted',
      'ce-time': '2026-01-02T03:04:05.678Z',
      'ce-datacontenttype': 'application/json',
    });
  });

  it('percent-encodes space, double quote, percent and non-ASCII as UTF-8 bytes (§3.1.3.2)', () => {
    expect(percentEncode('a b"c%d')).toBe('a%20b%22c%25d');
    expect(percentEncode('公众号')).toBe('%E5%85%AC%E4%BC%97%E5%8F%B7');
    expect(percentEncode('😀')).toBe('%F0%9F%98%80'); // a surrogate pair is one character
    expect(percentEncode('follow.subscribed/wx_1-2:3')).toBe('follow.subscribed/wx_1-2:3');
  });
});
