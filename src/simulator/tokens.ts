import { randomBytes } from 'node:crypto';

/**
 * Access tokens as WeChat hands them out (getAccessToken / getStableAccessToken pages):
 * - `token`: every call issues a new token; the previous one stays valid for an overlap
 *   (documented as 5 minutes), then answers 40001.
 * - `stable_token`: the same token while valid; in its last 5 minutes a call returns a new one
 *   and the old one lives out its time ("普通模式下平台会提前5分钟更新access_token");
 *   `force_refresh` invalidates the old one at once, at most every 30 s (else it "does not refresh").
 * The two kinds are isolated from each other, as documented.
 */
export type TokenCheck = { ok: true; appid: string } | { ok: false; errcode: 40001 | 41001 | 42001 };

export type TokenIssuer = {
  issueClassic(appid: string): { token: string; expiresIn: number };
  issueStable(appid: string, forceRefresh: boolean): { token: string; expiresIn: number };
  check(token: string | undefined): TokenCheck;
  /** Makes every token of `appid` expired (42001). */
  expireAll(appid: string): void;
  /** Makes every token of `appid` invalid (40001), as a force refresh elsewhere would. */
  revokeAll(appid: string): void;
};

type Issued = { appid: string; expiresAt: number; invalidAt: number; stable: boolean; issuedAt: number };

const RENEW_WINDOW_MS = 5 * 60_000;
const FORCE_INTERVAL_MS = 30_000;

export function createTokenIssuer(options: { now: () => number; lifetimeSeconds: number; overlapSeconds: number }): TokenIssuer {
  const { now } = options;
  const lifetimeMs = options.lifetimeSeconds * 1000;
  const tokens = new Map<string, Issued>();
  const latest = new Map<string, string>(); // `${stable}:${appid}` → token
  let serial = 0;

  const mint = (appid: string, stable: boolean) => {
    const token = `SIM${++serial}_${randomBytes(24).toString('base64url')}`;
    const at = now();
    tokens.set(token, { appid, expiresAt: at + lifetimeMs, invalidAt: Number.POSITIVE_INFINITY, stable, issuedAt: at });
    latest.set(`${stable}:${appid}`, token);
    return token;
  };
  const answer = (token: string) => ({ token, expiresIn: Math.round(((tokens.get(token)?.expiresAt ?? now()) - now()) / 1000) });
  const live = (token: string | undefined) => {
    const issued = token === undefined ? undefined : tokens.get(token);
    return issued && issued.expiresAt > now() && issued.invalidAt > now() ? issued : undefined;
  };

  return {
    issueClassic(appid) {
      const previous = latest.get(`false:${appid}`);
      const issued = previous === undefined ? undefined : tokens.get(previous);
      if (issued) issued.invalidAt = Math.min(issued.invalidAt, now() + options.overlapSeconds * 1000);
      return answer(mint(appid, false));
    },

    issueStable(appid, forceRefresh) {
      const current = latest.get(`true:${appid}`);
      const issued = live(current);
      if (current !== undefined && issued) {
        if (forceRefresh && now() - issued.issuedAt >= FORCE_INTERVAL_MS) {
          issued.invalidAt = now();
          return answer(mint(appid, true));
        }
        if (forceRefresh || issued.expiresAt - now() >= RENEW_WINDOW_MS) return answer(current);
      }
      // The old token (if any) lives out its remaining ≤ 5 minutes: no invalidation here.
      return answer(mint(appid, true));
    },

    check(token) {
      if (!token) return { ok: false, errcode: 41001 };
      const issued = tokens.get(token);
      if (!issued || issued.invalidAt <= now()) return { ok: false, errcode: 40001 };
      if (issued.expiresAt <= now()) return { ok: false, errcode: 42001 };
      return { ok: true, appid: issued.appid };
    },

    expireAll(appid) {
      for (const issued of tokens.values()) if (issued.appid === appid) issued.expiresAt = Math.min(issued.expiresAt, now());
    },

    revokeAll(appid) {
      for (const issued of tokens.values()) if (issued.appid === appid) issued.invalidAt = Math.min(issued.invalidAt, now());
    },
  };
}
