import { randomBytes } from 'node:crypto';

/**
 * One-shot authorization codes (wx.login codes for code2Session, web OAuth codes). A code is
 * bound to the appid it was issued for and lives 5 minutes; the second exchange answers 40163
 * ("code been used"), an unknown, foreign or expired code 40029 ("invalid code").
 */
export type CodeBook<T> = {
  issue(appid: string, details: T): string;
  redeem(appid: string, code: string | undefined): { ok: true; details: T } | { ok: false; errcode: 40029 | 40163 };
  details(code: string): T | undefined;
};

const LIFETIME_MS = 5 * 60_000;

export function createCodeBook<T>(now: () => number): CodeBook<T> {
  const codes = new Map<string, { appid: string; details: T; issuedAt: number; used: boolean }>();
  return {
    issue(appid, details) {
      // wx.login codes are 32 characters of [0-9A-Za-z]; hex keeps to that alphabet.
      const code = randomBytes(16).toString('hex');
      codes.set(code, { appid, details, issuedAt: now(), used: false });
      return code;
    },
    redeem(appid, code) {
      const entry = code === undefined ? undefined : codes.get(code);
      if (!entry || entry.appid !== appid || now() - entry.issuedAt > LIFETIME_MS) return { ok: false, errcode: 40029 };
      if (entry.used) return { ok: false, errcode: 40163 };
      entry.used = true;
      return { ok: true, details: entry.details };
    },
    details: (code) => codes.get(code)?.details,
  };
}
