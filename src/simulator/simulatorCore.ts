import { randomBytes } from 'node:crypto';
import { createCodeBook, type CodeBook } from './codes.ts';
import { createFaults, type FaultOptions, type Faults } from './faults.ts';
import { createFollowerBook, type FollowerBook } from './followerBook.ts';
import { createIdentities, unionidOf, type AccountIdentities } from './identities.ts';
import { createTokenIssuer, type TokenIssuer } from './tokens.ts';

export type SimulatedAccount = {
  appid: string;
  secret: string;
  kind: 'oa' | 'mp' | 'web';
  /** `gh_…`; changeopenid accepts it as `from_appid` of a migration from this account. */
  originalId?: string;
  /** The universe of people (one Open Platform account): accounts with the same seed share unionids. */
  seed?: string;
  /** Followers 0…count-1 of the universe (OA only). `seed` overrides the account's seed. */
  followers?: { count: number; seed?: string };
  /** This account received the followers of `fromAppid` by 主体变更 at `migratedAt`. */
  migration?: { fromAppid: string; fromOriginalId?: string; migratedAt: Date | string };
};

export type SimulatorOptions = {
  accounts: SimulatedAccount[];
  faults?: FaultOptions;
  /** Milliseconds since the epoch; `state.advanceTime` adds to it. */
  now?: () => number;
  tokenLifetimeSeconds?: number;
  /** How long a `cgi-bin/token` token stays valid after the next one is issued (WeChat: 5 min). */
  tokenOverlapSeconds?: number;
  /** `user/get` page size (WeChat: 10,000). */
  pageSize?: number;
};

export type LoginDetails = { openid: string; unionid: string | null; sessionKey: string };
export type OauthDetails = { openid: string; unionid: string | null; scope: 'snsapi_base' | 'snsapi_userinfo'; snapshotUser: boolean };

export type SimAccount = {
  config: SimulatedAccount;
  seed: string;
  ids: AccountIdentities;
  followers: FollowerBook | null;
};

/** Everything the routes share; tests reach it through the narrower `SimulatorState`. */
export type SimulatorCore = {
  now(): number;
  advance(ms: number): void;
  accounts: Map<string, SimAccount>;
  tokens: TokenIssuer;
  loginCodes: CodeBook<LoginDetails>;
  oauthCodes: CodeBook<OauthDetails>;
  /** Web OAuth user tokens (`sns/userinfo`), separate from account tokens. */
  userTokens: Map<string, OauthDetails & { appid: string }>;
  faults: Faults;
  pageSize: number;
  count(api: string, appid: string | undefined): void;
  calls: Map<string, number>;
  /** A person number no generated follower uses, for made-up users (logins without an openid). */
  freshPerson(): number;
};

// Made-up users start far above any follower count (≤ 1,000,000 in practice).
const FRESH_PERSONS_FROM = 1_000_000_000;

export function createSimulatorCore(options: SimulatorOptions): SimulatorCore {
  let offset = 0;
  const clock = options.now ?? Date.now;
  const now = () => clock() + offset;
  let fresh = FRESH_PERSONS_FROM;
  const accounts = new Map<string, SimAccount>();
  for (const config of options.accounts) {
    const seed = config.followers?.seed ?? config.seed ?? 'default';
    const ids = createIdentities(config.appid, seed);
    const followers = config.followers ? createFollowerBook(ids, config.followers.count) : null;
    accounts.set(config.appid, { config, seed, ids, followers });
  }
  const calls = new Map<string, number>();
  const bump = (key: string) => calls.set(key, (calls.get(key) ?? 0) + 1);

  return {
    now,
    advance: (ms) => {
      offset += ms;
    },
    accounts,
    tokens: createTokenIssuer({
      now,
      lifetimeSeconds: options.tokenLifetimeSeconds ?? 7200,
      overlapSeconds: options.tokenOverlapSeconds ?? 300,
    }),
    loginCodes: createCodeBook<LoginDetails>(now),
    oauthCodes: createCodeBook<OauthDetails>(now),
    userTokens: new Map(),
    faults: createFaults(options.faults ?? {}, now),
    pageSize: options.pageSize ?? 10_000,
    count(api, appid) {
      bump(api);
      if (appid) bump(`${api} ${appid}`);
    },
    calls,
    freshPerson: () => fresh++,
  };
}

export function newSessionKey(): string {
  // session_key is base64 of 16 bytes: the AES-128 key of wx.getUserInfo's encryptedData.
  return randomBytes(16).toString('base64');
}

export { unionidOf };
