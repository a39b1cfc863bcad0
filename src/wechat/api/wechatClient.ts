import type { Account, WechatSettings } from '../../config/schema.ts';
import { createAccessTokenProvider, type AccessTokenProvider } from './accessToken.ts';
import { createWechatHttp, type CallInfo, type HttpTuning } from './httpClient.ts';
import { createMigrationApi, type MigrationApi } from './migration.ts';
import { createMiniProgramApi, type MiniProgramApi } from './miniProgram.ts';
import { createOauthApi, type OauthApi } from './oauth.ts';
import type { RateLimiter } from './rateLimiter.ts';
import type { TokenStore } from './tokenStore.ts';
import { createUserApi, type UserApi } from './user.ts';

export type WechatClient = {
  appid: string;
  accessToken: AccessTokenProvider;
  miniProgram: MiniProgramApi;
  user: UserApi;
  migration: MigrationApi;
  oauth: OauthApi;
};

export type WechatClientOptions = {
  account: Pick<Account, 'appid' | 'secret'>;
  settings: Pick<WechatSettings, 'apiBase' | 'tokenEndpoint' | 'callsPerSecond'> & Partial<Pick<WechatSettings, 'maxQueueWaitMs'>>;
  tokenStore: TokenStore;
  onCall?: (info: CallInfo) => void;
  tuning?: Partial<HttpTuning> & { refreshMarginSeconds?: number };
  limiter?: RateLimiter;
  fetch?: typeof fetch;
};

/** One account's WeChat APIs, one area per module (like wechatpy's client/api/*.py). */
export function createWechatClient(options: WechatClientOptions): WechatClient {
  const { account, settings } = options;
  const http = createWechatHttp({
    appid: account.appid,
    apiBase: settings.apiBase,
    callsPerSecond: settings.callsPerSecond,
    tuning: settings.maxQueueWaitMs === undefined ? options.tuning : { interactiveQueueWaitMs: settings.maxQueueWaitMs, ...options.tuning },
    onCall: options.onCall,
    limiter: options.limiter,
    fetch: options.fetch,
  });
  const accessToken = createAccessTokenProvider({
    account,
    settings,
    store: options.tokenStore,
    http,
    refreshMarginSeconds: options.tuning?.refreshMarginSeconds,
  });
  return {
    appid: account.appid,
    accessToken,
    miniProgram: createMiniProgramApi(account, http),
    user: createUserApi(account.appid, http, accessToken),
    migration: createMigrationApi(account.appid, http, accessToken),
    oauth: createOauthApi(account, http),
  };
}
