import { describe, expect, it } from 'vitest';
import { CODE_LIFETIME_MS, replayVerdict, requestDigest } from '../../src/commands/codeReplay.ts';
import type { LedgerEvent } from '../../src/ledger/events.ts';

const recordedAt = '2024-01-01T00:00:00.000Z';
const at = (ms: number) => Date.parse(recordedAt) + ms;
const digest = requestDigest('miniprogram-login/1', ['wxmp', 'code-1', null, null, '{"a":1}', 'sig', 'key-a']);

function login(meta: Partial<LedgerEvent['meta']> = { requestDigest: digest }, extra: object = {}): LedgerEvent {
  return {
    id: 'e1', position: 1, type: 'login.recorded', stream: 's', streamVersion: 1,
    data: { appid: 'wxmp', openid: 'o1' },
    meta: { source: 'login', idempotencyKey: 'login:wxmp:code-1', ...meta },
    occurredAt: recordedAt, recordedAt, hash: 'h', prevHash: 'p',
    ...extra,
  } as LedgerEvent;
}

describe('a one-time code seen again', () => {
  it('is answered for the same request within the code lifetime', () => {
    expect(replayVerdict(login(), digest, at(1000))).toBe('answer');
    expect(replayVerdict(login(), digest, at(CODE_LIFETIME_MS))).toBe('answer');
  });

  it('is refused once the lifetime is over, even for the same request', () => {
    expect(replayVerdict(login(), digest, at(CODE_LIFETIME_MS + 1))).toBe('expired');
  });

  it('is refused for any other request: another rawData, signature, caller or code', () => {
    for (const parts of [
      ['wxmp', 'code-1', null, null, '{"a":2}', 'sig', 'key-a'],
      ['wxmp', 'code-1', null, null, '{"a":1}', 'forged', 'key-a'],
      ['wxmp', 'code-1', null, null, '{"a":1}', 'sig', 'key-b'],
      ['wxmp', 'code-1', null, null, null, null, 'key-a'],
    ]) {
      expect(replayVerdict(login(), requestDigest('miniprogram-login/1', parts), at(1000))).toBe('different_request');
    }
  });

  it('is refused when the original event has no digest (recorded before digests existed)', () => {
    expect(replayVerdict(login({}), digest, at(1000))).toBe('different_request');
  });

  it('is never answered from an erased event', () => {
    expect(replayVerdict(login(undefined, { erased: true }), digest, at(1000))).toBe('erased');
  });

  it('digests keep parts apart: moving text between fields changes the digest', () => {
    expect(requestDigest('k', ['ab', 'c'])).not.toBe(requestDigest('k', ['a', 'bc']));
    expect(requestDigest('k', [undefined, 'x'])).toBe(requestDigest('k', [null, 'x']));
    expect(requestDigest('k', ['', 'x'])).not.toBe(requestDigest('k', [null, 'x']));
  });
});
