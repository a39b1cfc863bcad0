import { describe, expect, it } from 'vitest';
import { createTokenIssuer } from '../../src/simulator/tokens.ts';

function clock() {
  let now = 1_700_000_000_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('simulated access tokens', () => {
  it('stable_token returns the same token while valid, a new one in its last 5 minutes, the old one living on', () => {
    const time = clock();
    const tokens = createTokenIssuer({ now: time.now, lifetimeSeconds: 7200, overlapSeconds: 300 });
    const first = tokens.issueStable('wx1', false);
    expect(first.expiresIn).toBe(7200);
    time.advance(3600_000);
    expect(tokens.issueStable('wx1', false)).toEqual({ token: first.token, expiresIn: 3600 });
    time.advance(3400_000);
    const renewed = tokens.issueStable('wx1', false);
    expect(renewed.token).not.toBe(first.token);
    expect(tokens.check(first.token)).toMatchObject({ ok: true });
    time.advance(200_001);
    expect(tokens.check(first.token)).toEqual({ ok: false, errcode: 42001 });
    expect(tokens.check(renewed.token)).toMatchObject({ ok: true, appid: 'wx1' });
  });

  it('force_refresh invalidates the old token at once, at most every 30 s', () => {
    const time = clock();
    const tokens = createTokenIssuer({ now: time.now, lifetimeSeconds: 7200, overlapSeconds: 300 });
    const first = tokens.issueStable('wx1', false);
    expect(tokens.issueStable('wx1', true).token).toBe(first.token);
    time.advance(30_000);
    const forced = tokens.issueStable('wx1', true);
    expect(forced.token).not.toBe(first.token);
    expect(tokens.check(first.token)).toEqual({ ok: false, errcode: 40001 });
  });

  it('cgi-bin/token: every call a new token, the previous one valid for the overlap only', () => {
    const time = clock();
    const tokens = createTokenIssuer({ now: time.now, lifetimeSeconds: 7200, overlapSeconds: 300 });
    const a = tokens.issueClassic('wx1');
    const b = tokens.issueClassic('wx1');
    expect(a.token).not.toBe(b.token);
    expect(tokens.check(a.token)).toMatchObject({ ok: true });
    time.advance(300_000);
    expect(tokens.check(a.token)).toEqual({ ok: false, errcode: 40001 });
    expect(tokens.check(b.token)).toMatchObject({ ok: true });
    expect(tokens.check(undefined)).toEqual({ ok: false, errcode: 41001 });
    expect(tokens.check('made-up')).toEqual({ ok: false, errcode: 40001 });
  });
});
