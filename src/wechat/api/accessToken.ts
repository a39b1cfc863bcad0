import { z } from 'zod';
import type { Account, WechatSettings } from '../../config/schema.ts';
import { isWechatApiError, upstreamFailure } from './errcodes.ts';
import type { WechatHttp } from './httpClient.ts';
import type { StoredToken, TokenStore } from './tokenStore.ts';

export type AccessTokenProvider = {
  /** A usable token: from memory, else from the shared store, else fetched once for everyone. */
  get(): Promise<string>;
  /**
   * Runs `call` with a token. When WeChat answers 40001/42001/40014 the token that failed is
   * expired (compare-and-expire, so a newer token stored meanwhile survives) and `call` runs once
   * more with a fresh one; a second failure is thrown.
   */
  withToken<T>(call: (token: string) => Promise<T>): Promise<T>;
};

export type AccessTokenOptions = {
  account: Pick<Account, 'appid' | 'secret'>;
  settings: Pick<WechatSettings, 'tokenEndpoint'>;
  store: TokenStore;
  http: WechatHttp;
  /**
   * Refresh this long before expiry. stable_token hands out a new token only in the last 5
   * minutes of the old one ("普通模式下平台会提前5分钟更新access_token", expires_in ≥ 300), so
   * 300 s makes an early refresh actually yield a new token instead of the same one again.
   */
  refreshMarginSeconds?: number;
  now?: () => number;
};

const TokenAnswer = z.object({ access_token: z.string().min(1), expires_in: z.number().positive() });

export function createAccessTokenProvider(options: AccessTokenOptions): AccessTokenProvider {
  const { account, store, http } = options;
  const { appid } = account;
  const marginMs = (options.refreshMarginSeconds ?? 300) * 1000;
  const now = options.now ?? Date.now;
  let cached: StoredToken | null = null;
  let inflight: Promise<string> | null = null;

  const fresh = (token: StoredToken | null): token is StoredToken => token !== null && token.expiresAt.getTime() - marginMs > now();

  async function fetchToken(): Promise<StoredToken> {
    const api = options.settings.tokenEndpoint;
    const answer =
      api === 'stable_token'
        ? await http.call({
            api,
            method: 'POST',
            path: 'cgi-bin/stable_token',
            // force_refresh would invalidate the token every other instance is using.
            body: { grant_type: 'client_credential', appid, secret: account.secret, force_refresh: false },
          })
        : await http.call({
            api,
            method: 'GET',
            path: 'cgi-bin/token',
            query: { grant_type: 'client_credential', appid, secret: account.secret },
          });
    const parsed = TokenAnswer.safeParse(answer);
    if (!parsed.success) throw upstreamFailure('token answer without access_token/expires_in', api, appid);
    return { token: parsed.data.access_token, expiresAt: new Date(now() + parsed.data.expires_in * 1000) };
  }

  async function load(): Promise<string> {
    const stored = await store.get(appid);
    if (fresh(stored)) return remember(stored);
    return store.withRefreshLock(appid, async (locked) => {
      // Another process may have refreshed while we waited for the lock.
      const again = await locked.get(appid);
      if (fresh(again)) return remember(again);
      const fetched = await fetchToken();
      await locked.put(appid, fetched.token, fetched.expiresAt);
      return remember(fetched);
    });
  }

  function remember(token: StoredToken): string {
    cached = token;
    return token.token;
  }

  const provider: AccessTokenProvider = {
    get() {
      if (fresh(cached)) return Promise.resolve(cached.token);
      // Single flight in this process: concurrent callers share one load (and at most one fetch).
      inflight ??= load().finally(() => {
        inflight = null;
      });
      return inflight;
    },
    async withToken(call) {
      const token = await provider.get();
      try {
        return await call(token);
      } catch (error) {
        if (!isWechatApiError(error, 'token_invalid')) throw error;
        if (cached?.token === token) cached = null;
        await store.expireIf(appid, token);
        return call(await provider.get());
      }
    },
  };
  return provider;
}
