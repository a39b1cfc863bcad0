import type { FaultOptions } from './faults.ts';
import { newSessionKey, unionidOf, type SimAccount, type SimulatorCore } from './simulatorCore.ts';

/** What tests and tools may do to a running simulator. Unknown appids throw. */
export type SimulatorState = {
  now(): number;
  /** Moves the simulated clock (token expiry, code expiry, the 15-day migration window, quotas). */
  advanceTime(ms: number): void;

  /** The openid of person `person` in `appid` (a follower when `person < followers.count`). */
  openidOf(appid: string, person: number): string;
  /** The unionid of that person: equal in every account with the same seed. */
  unionidOf(appid: string, person: number): string;
  /** The person behind an openid of `appid`, or null for one the simulator did not make. */
  personOf(appid: string, openid: string): number | null;

  follow(appid: string, openid: string): void;
  unfollow(appid: string, openid: string): void;
  isFollower(appid: string, openid: string): boolean;
  followerCount(appid: string): number;

  /**
   * A wx.login code for `appid`. code2Session answers `openid` (default: a new user), `unionid`
   * only when given here, and `sessionKey` (default: 16 random bytes, base64).
   */
  issueCode(appid: string, user?: { openid?: string; unionid?: string; sessionKey?: string }): string;
  /** What code2Session will answer for `code` (tests need the session key to encrypt user data). */
  codeDetails(code: string): { openid: string; unionid: string | null; sessionKey: string } | undefined;
  /** A web OAuth code; `unionid` is answered only with scope snsapi_userinfo (default). */
  issueOauthCode(
    appid: string,
    user?: { openid?: string; unionid?: string; scope?: 'snsapi_base' | 'snsapi_userinfo'; snapshotUser?: boolean },
  ): string;

  /** Calls received for `api` (every call, failed or not), optionally only for `appid`. */
  callCount(api: string, appid?: string): number;
  /** Calls of `token` plus `stable_token`. */
  tokenCalls(appid?: string): number;
  resetCounts(): void;

  /** The next `times` calls of `api` answer `errcode`. */
  failNext(api: string, errcode: number, times?: number): void;
  /** Merges into the current fault options (a given `seed` restarts the random draws). */
  setFaults(faults: FaultOptions): void;
  clearFaults(): void;
  /** Every token of `appid` answers 42001 from now on. */
  expireTokens(appid: string): void;
  /** Every token of `appid` answers 40001 from now on. */
  revokeTokens(appid: string): void;
};

export function createSimulatorState(core: SimulatorCore): SimulatorState {
  const account = (appid: string): SimAccount => {
    const found = core.accounts.get(appid);
    if (!found) throw new Error(`simulator: unknown appid ${appid}`);
    return found;
  };
  const followers = (appid: string) => {
    const book = account(appid).followers;
    if (!book) throw new Error(`simulator: ${appid} has no followers (configure followers: {count})`);
    return book;
  };
  const count = (key: string) => core.calls.get(key) ?? 0;

  const state: SimulatorState = {
    now: core.now,
    advanceTime: core.advance,
    openidOf: (appid, person) => account(appid).ids.openidOf(person),
    unionidOf: (appid, person) => unionidOf(account(appid).seed, person),
    personOf: (appid, openid) => account(appid).ids.personOf(openid),
    follow: (appid, openid) => followers(appid).follow(openid, Math.floor(core.now() / 1000)),
    unfollow: (appid, openid) => followers(appid).unfollow(openid),
    isFollower: (appid, openid) => followers(appid).isFollower(openid),
    followerCount: (appid) => followers(appid).total(),
    issueCode(appid, user = {}) {
      const { ids } = account(appid);
      return core.loginCodes.issue(appid, {
        openid: user.openid ?? ids.openidOf(core.freshPerson()),
        unionid: user.unionid ?? null,
        sessionKey: user.sessionKey ?? newSessionKey(),
      });
    },
    codeDetails: (code) => core.loginCodes.details(code),
    issueOauthCode(appid, user = {}) {
      const { ids } = account(appid);
      return core.oauthCodes.issue(appid, {
        openid: user.openid ?? ids.openidOf(core.freshPerson()),
        unionid: user.unionid ?? null,
        scope: user.scope ?? 'snsapi_userinfo',
        snapshotUser: user.snapshotUser ?? false,
      });
    },
    callCount: (api, appid) => count(appid ? `${api} ${appid}` : api),
    tokenCalls: (appid) => state.callCount('token', appid) + state.callCount('stable_token', appid),
    resetCounts: () => core.calls.clear(),
    failNext: (api, errcode, times = 1) => core.faults.failNext(api, errcode, times),
    setFaults: (faults) => core.faults.set(faults),
    clearFaults: () => core.faults.clear(),
    expireTokens: (appid) => core.tokens.expireAll(account(appid).config.appid),
    revokeTokens: (appid) => core.tokens.revokeAll(account(appid).config.appid),
  };
  return state;
}
