import { z } from 'zod';
import { DEFAULT_ERASURE_POLICY, ErasurePolicy } from '../erasure/erasurePolicy.ts';
import type { PostgresTimeouts } from '../ledger/openStorage.ts';

export const AccountKind = z.enum(['oa', 'mp', 'web']);
export type AccountKind = z.infer<typeof AccountKind>;

/**
 * What WeChat sends, as chosen in the console (消息加解密说明,
 * developers.weixin.qq.com/doc/subscription/guide/dev/push/encryption.html): 明文模式 a clear
 * body; 兼容模式 "同时包括明文和密文" — the clear fields and `Encrypt`; 安全模式 only `Encrypt`.
 */
export const MessageMode = z.enum(['plain', 'compatible', 'safe']);
export type MessageMode = z.infer<typeof MessageMode>;

export const Account = z.object({
  appid: z.string().min(1).max(64),
  kind: AccountKind,
  secret: z.string().min(1),
  /**
   * The callback token configured in the WeChat console (signature verification). The console
   * accepts 3–32 letters or digits ("必须为英文或数字，长度为3-32字符"); anything else can never
   * match what WeChat signs with, and a shorter one is guessable.
   */
  token: z.string().regex(/^[A-Za-z0-9]{3,32}$/, 'must be 3–32 letters or digits (the Token from the WeChat console)').optional(),
  /** 43 characters; present when the account uses compatible or safe (AES) mode. */
  encodingAESKey: z.string().regex(/^[A-Za-z0-9+/]{43}$/, 'must be 43 base64 characters (the EncodingAESKey from the WeChat console)').optional(),
  /**
   * The console's 消息加解密方式. `compatible` and `safe` refuse pushes without `Encrypt` (403
   * encryption_required): in plain mode `signature` does not cover the body. Default: `safe`
   * with an encodingAESKey, `plain` without (resolved by `messageModeOf`).
   */
  messageMode: MessageMode.optional(),
  /** `gh_…`: WeChat's original id; changeopenid reports accept it as `from_appid`. */
  originalId: z.string().optional(),
  /** Mini programs choose XML or JSON pushes in their console. */
  pushFormat: z.enum(['xml', 'json']).default('xml'),
  /** What WeChat's withdrawal pushes (unsubscribe, revoke, cancellation) do: erase (default) or keep. */
  erasure: ErasurePolicy.default(DEFAULT_ERASURE_POLICY),
  /** When this account received followers through 主体变更: `changeopenid` only works 15 days after it. */
  migratedFrom: z
    .object({ appid: z.string().min(1), migratedAt: z.string().datetime({ offset: true }).optional() })
    .optional(),
}).strict().superRefine((account, ctx) => {
  if (account.messageMode && account.messageMode !== 'plain' && !account.encodingAESKey) {
    ctx.addIssue({ code: 'custom', path: ['messageMode'], message: `${account.messageMode} mode needs an encodingAESKey` });
  }
});
export type Account = z.infer<typeof Account>;

/** The account's message mode, with the default: safe when it has an encodingAESKey, else plain. */
export function messageModeOf(account: Pick<Account, 'messageMode' | 'encodingAESKey'>): MessageMode {
  return account.messageMode ?? (account.encodingAESKey ? 'safe' : 'plain');
}

export const ApiScope = z.enum(['read', 'write', 'admin']);
export type ApiScope = z.infer<typeof ApiScope>;

export const ApiKey = z
  .object({
    key: z.string().min(16),
    scopes: z.array(ApiScope).min(1),
    name: z.string().optional(),
    /** Limits the key to these accounts: a key handed to one app cannot read or write another's users. */
    appids: z.array(z.string().min(1).max(64)).min(1).optional(),
  })
  .strict();
export type ApiKey = z.infer<typeof ApiKey>;

export const WechatSettings = z.object({
  apiBase: z.string().url().default('https://api.weixin.qq.com'),
  watermarkMaxAgeSeconds: z.number().int().positive().nullable().default(300),
  /**
   * How far WeChat's `timestamp` may be from our clock. In plain mode `signature` covers only
   * token, timestamp and nonce, so a signed URL from a proxy or access log would otherwise be a
   * licence to post any body forever; the window (and the nonces remembered for it) bounds that
   * to one use within minutes. null: unbounded (an explicit opt-out).
   */
  timestampToleranceSeconds: z.number().int().positive().nullable().default(300),
  /** `stable_token` keeps the same token while valid, so instances cannot knock each other out. */
  tokenEndpoint: z.enum(['stable_token', 'token']).default('stable_token'),
  /** Client-side limit per appid and API, calls per second. */
  callsPerSecond: z.number().positive().default(50),
  /** How long a login's WeChat call may queue behind that limit before 429 wechat_rate_limited (jobs' calls wait). */
  maxQueueWaitMs: z.number().int().nonnegative().default(2000),
}).strict();
export type WechatSettings = z.infer<typeof WechatSettings>;

/**
 * The HTTP server's limits. Node's defaults hold a connection that trickles its headers or body
 * for 300 s (plus a 30 s check interval), so a few hundred slow clients tie up the service;
 * WeChat itself gives up on a push after 5 s, and every client here sends small requests.
 * The request timeout bounds receiving a request, not streaming its answer (/v1/events NDJSON).
 */
export const HttpSettings = z
  .object({
    headersTimeoutSeconds: z.number().positive().default(10),
    requestTimeoutSeconds: z.number().positive().default(15),
    keepAliveTimeoutSeconds: z.number().positive().default(5),
    maxConnections: z.number().int().positive().default(1024),
  })
  .strict()
  .refine((http) => http.headersTimeoutSeconds <= http.requestTimeoutSeconds, {
    path: ['headersTimeoutSeconds'],
    message: 'must not exceed requestTimeoutSeconds',
  });
export type HttpSettings = z.infer<typeof HttpSettings>;

export const ConfigFile = z
  .object({
    accounts: z.array(Account).min(1),
    apiKeys: z.array(ApiKey).default([]),
    wechat: WechatSettings.default(WechatSettings.parse({})),
    /**
     * Wraps every key the ledger keeps in the database (personal data is sealed under per-subject
     * keys, which this wraps): 32 bytes, base64, e.g. "${LEDGER_MASTER_KEY}". Required in
     * production mode (src/config/masterKey.ts).
     */
    masterKey: z.string().optional(),
    /** Earlier master keys, still accepted for keys wrapped under them until `rewrap-keys` runs. */
    previousMasterKeys: z.array(z.string()).default([]),
    /** Encrypts MP session keys at rest: 32 bytes, base64. */
    sessionKeySecret: z.string().optional(),
    bodyLimitBytes: z.number().int().positive().default(1024 * 1024),
    /**
     * WeChat callback bodies (pushes are a few KiB): larger is 413 before the body is read, or as
     * soon as a chunked body passes it. Bounds what an anonymous caller can make the service read.
     */
    callbackBodyLimitBytes: z.number().int().positive().max(1024 * 1024).default(64 * 1024),
    erasure: z
      .object({
        /** How long an erased pseudonym is remembered, so a late fact older than the erasure is dropped. */
        registerRetentionDays: z.number().int().positive().max(3650).default(30),
      })
      .strict()
      .default({ registerRetentionDays: 30 }),
    nats: z
      .object({
        /**
         * JetStream keeps messages (which carry personal data for consumers) at most this long:
         * the stream's max_age. Consumers must also act on identity.erased.
         */
        streamMaxAgeSeconds: z.number().int().positive().default(7 * 24 * 3600),
      })
      .strict()
      .default({ streamMaxAgeSeconds: 7 * 24 * 3600 }),
    /** NDJSON streams of /v1/events open at once per instance: each one holds a connection and reads the ledger. */
    maxEventStreams: z.number().int().positive().default(8),
    /**
     * An NDJSON stream whose client stopped reading (its write waits this long) is cut and its
     * slot freed: a client that keeps the connection open without reading must not hold one of
     * the `maxEventStreams` forever.
     */
    eventStreamStallSeconds: z.number().positive().default(30),
    http: HttpSettings.default(HttpSettings.parse({})),
  })
  // A misspelt key (encodingAesKey, apikeys) must stop the start, not silently drop a setting.
  .strict()
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    // Callback tokens, by the account that has each first. Two accounts with one token sign
    // alike: a URL WeChat signed for one verifies for the other, so whoever holds one account's
    // pushes (a log) can post to the other. The one WeChat setup that shares a token, a
    // third-party platform (第三方平台) receiving for its authorized accounts, encrypts with the
    // platform's appid and calls the APIs with authorizer tokens — neither works here anyway.
    const tokens = new Map<string, string>();
    config.accounts.forEach((account, index) => {
      if (seen.has(account.appid)) {
        ctx.addIssue({ code: 'custom', path: ['accounts', index, 'appid'], message: `duplicate appid ${account.appid}` });
      }
      seen.add(account.appid);
      if (account.token === undefined) return;
      const first = tokens.get(account.token);
      if (first !== undefined && first !== account.appid) {
        ctx.addIssue({
          code: 'custom',
          path: ['accounts', index, 'token'],
          message: `${account.appid} has the same callback token as ${first}: each account needs its own (a URL WeChat signs for one would verify for the other); set a different random token in one account's WeChat console and here`,
        });
      } else tokens.set(account.token, account.appid);
    });
  });
export type ConfigFile = z.infer<typeof ConfigFile>;

/** LEDGER_ROLE (see Config.role). */
export type ServiceRole = 'all' | 'api';

/** The resolved runtime configuration: the file plus the environment. */
export type Config = ConfigFile & {
  databaseUrl: string | null;
  natsUrl: string | null;
  port: number;
  dataDir: string;
  /** No LEDGER_CONFIG/--config: the embedded demo accounts and their published API key. */
  usingDemoConfig?: boolean;
  /**
   * LEDGER_ROLE. `all` (the default): the HTTP API and the background work — the ledger consumer
   * (outbox relay, live projections, unionid and erasure reactors) and the job runner. `api`: the
   * HTTP API only, for instances beside at least one `all` instance on the same PostgreSQL, so
   * the webhook's event loop does none of the work that follows the ledger.
   */
  role?: ServiceRole;
  /** PG_*_TIMEOUT_MS from the environment (see PostgresTimeouts); unset ones keep their defaults. */
  postgres?: Partial<PostgresTimeouts>;
};
