import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, chainLink, eventDigest, GENESIS_HASH, type DigestedEvent } from '../../src/ledger/hashChain.ts';

/**
 * The chain's definition is a contract with every ledger already written: these vectors were
 * computed once (and checked with Python's json + hashlib, independently of this code) and must
 * never change. A failing vector means old ledgers would no longer verify.
 */
const VECTOR: DigestedEvent = {
  id: '7d9f5c1e-2b4a-4c3d-9e8f-0a1b2c3d4e5f',
  type: 'follow.subscribed',
  stream: 'user-wx1234567890abcd-00112233445566778899aabbccddeeff',
  appid: 'wx1234567890abcd',
  subject: '00112233445566778899aabbccddeeff',
  subjectKey: '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f0',
  related: null,
  unionid: null,
  fingerprint: 'ffeeddccbbaa99887766554433221100',
  data: '{"appid":"wx1234567890abcd","sealed":"AAECAwQFBgcICQoL"}',
  meta: '{"idempotencyKey":"0123456789abcdef0123456789abcdef","source":"webhook"}',
  occurredAt: '2026-12-03T08:00:00.000Z',
  recordedAt: '2026-12-03T08:00:01.234Z',
};
const VECTOR_DIGEST = 'e66ed5c5b4bc990d28c2e5c55a2b7e7eaa533dc5d31a9bf2f8f31d4c129a64d1';
const VECTOR_HASH = '3149543ec580ec83865a8051f1d31ee25514c500607cf4d67d5d376434998a64';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('the hash chain', () => {
  it('digests and links the fixed vector to the pinned values', () => {
    expect(eventDigest(VECTOR)).toBe(VECTOR_DIGEST);
    expect(chainLink(GENESIS_HASH, 1, 1, VECTOR_DIGEST)).toBe(VECTOR_HASH);
  });

  it('the digest is sha256 of the RFC 8785 form of the stored event, whatever it holds', () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 30 });
    const optional = fc.option(fc.stringMatching(/^[0-9a-f]{32}$/), { nil: null });
    const event = fc.record({
      id: fc.uuid(),
      type: text,
      stream: text,
      appid: text,
      subject: optional,
      subjectKey: fc.option(fc.uuid(), { nil: null }),
      related: optional,
      unionid: optional,
      fingerprint: fc.stringMatching(/^[0-9a-f]{32}$/),
      data: fc.dictionary(text, fc.jsonValue({ maxDepth: 2 })),
      meta: fc.dictionary(text, text),
      occurredAt: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      recordedAt: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    });
    fc.assert(
      fc.property(event, (e) => {
        const stored = { ...e, data: canonicalJson(e.data), meta: canonicalJson(e.meta) };
        expect(eventDigest(stored)).toBe(sha256(canonicalize(e)!));
      }),
      { numRuns: 500 },
    );
  });

  it('canonicalJson is byte for byte the canonicalize package (RFC 8785)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        expect(canonicalJson(value)).toBe(canonicalize(value));
      }),
      { numRuns: 2000 },
    );
    for (const value of [1e21, 1e-7, -0, 0.1 + 0.2, 'é😀\u2028', { b: 1, a: [null, true] }, { '\u00e9': 1, e: 2, E: 3 }]) {
      expect(canonicalJson(value)).toBe(canonicalize(value));
    }
  });

  it('refuses what has no canonical form', () => {
    expect(() => canonicalJson('\uD800')).toThrow(/surrogate/);
    expect(() => canonicalJson(Number.NaN)).toThrow();
    expect(() => canonicalJson({ a: Number.POSITIVE_INFINITY })).toThrow();
  });

  it('a link changes with every input it covers', () => {
    const base = chainLink(GENESIS_HASH, 1, 1, VECTOR_DIGEST);
    expect(chainLink('1'.repeat(64), 1, 1, VECTOR_DIGEST)).not.toBe(base);
    expect(chainLink(GENESIS_HASH, 2, 1, VECTOR_DIGEST)).not.toBe(base);
    expect(chainLink(GENESIS_HASH, 1, 2, VECTOR_DIGEST)).not.toBe(base);
    expect(chainLink(GENESIS_HASH, 1, 1, VECTOR_HASH)).not.toBe(base);
  });
});
