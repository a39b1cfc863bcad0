import { WechatError } from '../errors.ts';

/**
 * WeChat errcodes this service meets, named once. Sources: wechatpy `WeChatErrorCode`, the
 * code2Session / getAccessToken / getStableAccessToken pages on developers.weixin.qq.com, and
 * WxJava's error enums (63178 "appid wrong", 63179 "openid num limit", 61024, 895xx).
 */
export const WechatErrcode = {
  SYSTEM_BUSY: -1,
  OK: 0,
  /** From an API: the token is invalid or not the latest. From `cgi-bin/token`: the AppSecret is wrong. */
  INVALID_CREDENTIAL: 40001,
  INVALID_OPENID: 40003,
  INVALID_APPID: 40013,
  INVALID_ACCESS_TOKEN: 40014,
  /** code2Session and OAuth: the code is unknown or expired. */
  INVALID_CODE: 40029,
  INVALID_APPSECRET: 40125,
  /** The code was already exchanged once (codes are one-shot). */
  CODE_BEEN_USED: 40163,
  IP_NOT_WHITELISTED: 40164,
  /** code2Session: WeChat blocks the login of a high-risk user. */
  CODE_BLOCKED: 40226,
  ACCESS_TOKEN_MISSING: 41001,
  ACCESS_TOKEN_EXPIRED: 42001,
  REQUIRE_SUBSCRIBE: 43004,
  /** Daily quota of the API exhausted (also "reach max api daily quota limit" on token calls). */
  API_DAILY_QUOTA: 45009,
  /** Minute-level frequency limit ("api minute-quota reach limit, must slower"). */
  API_MINUTE_QUOTA: 45011,
  API_UNAUTHORIZED: 48001,
  USER_UNAUTHORIZED: 50001,
  /** The account is authorised to a third-party platform and must use its component token. */
  COMPONENT_TOKEN_REQUIRED: 61024,
  /** changeopenid: `from_appid` has no migration relation with the calling account. */
  NO_MIGRATION_RELATION: 63178,
  /** changeopenid: more than 100 openids in one call. */
  OPENID_NUM_LIMIT: 63179,
  IP_WAITING_CONFIRMATION: 89501,
  IP_NEEDS_CONFIRMATION: 89503,
  IP_REJECTED_TWICE: 89506,
  IP_REJECTED_ONCE: 89507,
} as const;
export type WechatErrcode = (typeof WechatErrcode)[keyof typeof WechatErrcode];

/** What the caller should do about an error, independent of the numeric errcode. */
export type WechatErrorKind =
  | 'invalid_code'
  | 'rate_limited'
  | 'quota_exhausted'
  | 'token_invalid'
  | 'no_migration_relation'
  | 'invalid_openid'
  /** WeChat refuses our own credentials (secret, appid, IP whitelist): the caller cannot fix it. */
  | 'credentials_rejected'
  | 'upstream_failure'
  | 'rejected';

/** Stable strings for `{error: {code}}` bodies (shared/DESIGN.md §4). */
const CODES: Record<WechatErrorKind, string> = {
  invalid_code: 'wechat_invalid_code',
  rate_limited: 'wechat_rate_limited',
  quota_exhausted: 'wechat_quota_exhausted',
  token_invalid: 'wechat_token_invalid',
  no_migration_relation: 'wechat_no_migration_relation',
  invalid_openid: 'wechat_invalid_openid',
  credentials_rejected: 'wechat_credentials_rejected',
  upstream_failure: 'wechat_upstream_failure',
  rejected: 'wechat_rejected',
};

/**
 * DESIGN §4: invalid code → 401, rate and quota → 429, upstream failure → 502, the rest 400.
 * A token still invalid after the one retry, or credentials WeChat refuses, are upstream failures
 * from the caller's point of view (nothing in the request can fix them), hence 502.
 */
const STATUSES: Record<WechatErrorKind, number> = {
  invalid_code: 401,
  rate_limited: 429,
  quota_exhausted: 429,
  token_invalid: 502,
  no_migration_relation: 400,
  invalid_openid: 400,
  credentials_rejected: 502,
  upstream_failure: 502,
  rejected: 400,
};

const KIND_OF_ERRCODE = new Map<number, WechatErrorKind>([
  [WechatErrcode.SYSTEM_BUSY, 'upstream_failure'],
  [WechatErrcode.INVALID_CREDENTIAL, 'token_invalid'],
  [WechatErrcode.INVALID_ACCESS_TOKEN, 'token_invalid'],
  [WechatErrcode.ACCESS_TOKEN_EXPIRED, 'token_invalid'],
  [WechatErrcode.INVALID_OPENID, 'invalid_openid'],
  [WechatErrcode.INVALID_CODE, 'invalid_code'],
  [WechatErrcode.CODE_BEEN_USED, 'invalid_code'],
  [WechatErrcode.API_MINUTE_QUOTA, 'rate_limited'],
  [WechatErrcode.API_DAILY_QUOTA, 'quota_exhausted'],
  [WechatErrcode.NO_MIGRATION_RELATION, 'no_migration_relation'],
  [WechatErrcode.INVALID_APPID, 'credentials_rejected'],
  [WechatErrcode.INVALID_APPSECRET, 'credentials_rejected'],
  [WechatErrcode.IP_NOT_WHITELISTED, 'credentials_rejected'],
  [WechatErrcode.COMPONENT_TOKEN_REQUIRED, 'credentials_rejected'],
  [WechatErrcode.IP_WAITING_CONFIRMATION, 'credentials_rejected'],
  [WechatErrcode.IP_NEEDS_CONFIRMATION, 'credentials_rejected'],
  [WechatErrcode.IP_REJECTED_TWICE, 'credentials_rejected'],
  [WechatErrcode.IP_REJECTED_ONCE, 'credentials_rejected'],
]);

/** APIs that hand out access tokens: there 40001 means "wrong AppSecret", not "stale token". */
export const TOKEN_APIS: ReadonlySet<string> = new Set(['token', 'stable_token']);

export class WechatApiError extends WechatError {
  readonly kind: WechatErrorKind;
  readonly code: string;
  readonly status: number;
  /** null when WeChat gave no answer (network, timeout, HTTP 5xx, unparseable body). */
  readonly errcode: number | null;
  readonly errmsg: string;
  readonly api: string;
  readonly appid: string;

  constructor(fields: { kind: WechatErrorKind; errcode: number | null; errmsg: string; api: string; appid: string }) {
    const label = fields.errcode === null ? fields.kind : `errcode ${fields.errcode}`;
    super(`WeChat ${fields.api} for ${fields.appid}: ${label}: ${fields.errmsg}`);
    this.name = 'WechatApiError';
    this.kind = fields.kind;
    this.code = CODES[fields.kind];
    this.status = STATUSES[fields.kind];
    this.errcode = fields.errcode;
    this.errmsg = fields.errmsg;
    this.api = fields.api;
    this.appid = fields.appid;
  }
}

export function kindOfErrcode(errcode: number, api: string): WechatErrorKind {
  if (errcode === WechatErrcode.INVALID_CREDENTIAL && TOKEN_APIS.has(api)) return 'credentials_rejected';
  return KIND_OF_ERRCODE.get(errcode) ?? 'rejected';
}

export function errorFromErrcode(errcode: number, errmsg: string, api: string, appid: string): WechatApiError {
  return new WechatApiError({ kind: kindOfErrcode(errcode, api), errcode, errmsg, api, appid });
}

export function upstreamFailure(errmsg: string, api: string, appid: string): WechatApiError {
  return new WechatApiError({ kind: 'upstream_failure', errcode: null, errmsg, api, appid });
}

export function isWechatApiError(error: unknown, kind?: WechatErrorKind): error is WechatApiError {
  return error instanceof WechatApiError && (kind === undefined || error.kind === kind);
}

export function httpStatusOf(error: WechatApiError): number {
  return STATUSES[error.kind];
}

export function errorCodeOf(kind: WechatErrorKind): string {
  return CODES[kind];
}
