import { WechatApiError, WechatErrcode, errorFromErrcode, upstreamFailure } from './errcodes.ts';
import { createQuotaCircuit } from './quotaCircuit.ts';
import { createRateLimiter, type RateLimiter } from './rateLimiter.ts';
import { retryWithBackoff } from '../../retryWithBackoff.ts';

/** One HTTP attempt, for metrics. `errcode` is null when WeChat gave no JSON answer. */
export type CallInfo = { appid: string; api: string; errcode: number | null; ms: number };

export type HttpTuning = {
  timeoutMs: number;
  /** Extra attempts after a -1 (system busy), a network error, a timeout or an HTTP 5xx. */
  retries: number;
  backoffMs: number;
  maxBackoffMs: number;
  /** How long a 45009 keeps an API's circuit open. */
  quotaCooldownMs: number;
  /** How long an `interactive` call may queue behind the client-side rate limit before 429. */
  interactiveQueueWaitMs: number;
};

export const defaultHttpTuning: HttpTuning = {
  timeoutMs: 10_000,
  retries: 3,
  backoffMs: 200,
  maxBackoffMs: 5_000,
  quotaCooldownMs: 5 * 60_000,
  interactiveQueueWaitMs: 2000,
};

export type WechatRequest = {
  /** Short API name used for limits, circuits, metrics and errors: `user/get`, `stable_token`… */
  api: string;
  method: 'GET' | 'POST';
  /** Path below the API base, e.g. `cgi-bin/user/get`. */
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  /**
   * A person waits on this call (a mini program login, an OAuth redirect): it queues behind the
   * rate limit for `interactiveQueueWaitMs` at most, then fails 429 wechat_rate_limited — so a
   * flood of bogus login codes cannot delay real logins for minutes. Jobs' calls wait their turn.
   */
  interactive?: boolean;
};

export type WechatHttp = {
  appid: string;
  /** The JSON answer when `errcode` is absent or 0; otherwise throws a WechatApiError. */
  call(request: WechatRequest): Promise<Record<string, unknown>>;
};

export type WechatHttpOptions = {
  appid: string;
  apiBase: string;
  callsPerSecond: number;
  tuning?: Partial<HttpTuning>;
  onCall?: (info: CallInfo) => void;
  /** Share one limiter between clients of the same appid; keys include the appid. */
  limiter?: RateLimiter;
  fetch?: typeof fetch;
};

type Attempt = { ok: true; json: Record<string, unknown> } | { ok: false; retry: boolean; error: WechatApiError };

export function createWechatHttp(options: WechatHttpOptions): WechatHttp {
  const { appid } = options;
  const tuning = { ...defaultHttpTuning, ...options.tuning };
  const limiter = options.limiter ?? createRateLimiter(options.callsPerSecond);
  const circuit = createQuotaCircuit(tuning.quotaCooldownMs);
  const doFetch = options.fetch ?? fetch;
  const base = options.apiBase.replace(/\/+$/, '');

  async function attempt(request: WechatRequest): Promise<Attempt> {
    const url = new URL(`${base}/${request.path}`);
    for (const [key, value] of Object.entries(request.query ?? {})) if (value !== undefined) url.searchParams.set(key, value);
    const started = performance.now();
    let errcode: number | null = null;
    try {
      const response = await doFetch(url, {
        method: request.method,
        headers: request.body === undefined ? {} : { 'content-type': 'application/json' },
        body: request.body === undefined ? null : JSON.stringify(request.body),
        signal: AbortSignal.timeout(tuning.timeoutMs),
      });
      // Never put the URL in an error: code2Session and OAuth carry the AppSecret in the query.
      if (!response.ok) {
        await response.body?.cancel();
        return { ok: false, retry: response.status >= 500, error: upstreamFailure(`HTTP ${response.status}`, request.api, appid) };
      }
      let json: unknown;
      try {
        json = await response.json();
      } catch {
        return { ok: false, retry: true, error: upstreamFailure('unparseable JSON answer', request.api, appid) };
      }
      if (typeof json !== 'object' || json === null || Array.isArray(json)) {
        return { ok: false, retry: false, error: upstreamFailure('answer is not a JSON object', request.api, appid) };
      }
      const body = json as Record<string, unknown>;
      // Success usually has no errcode at all (code2Session, user/get); some APIs send it as a string.
      const code = body.errcode === undefined || body.errcode === null ? 0 : Number(body.errcode);
      if (Number.isNaN(code)) {
        return { ok: false, retry: false, error: upstreamFailure('errcode is not a number', request.api, appid) };
      }
      errcode = code;
      if (code === 0) return { ok: true, json: body };
      const error = errorFromErrcode(code, String(body.errmsg ?? ''), request.api, appid);
      return { ok: false, retry: code === WechatErrcode.SYSTEM_BUSY, error };
    } catch (cause) {
      const reason = (cause as Error).name === 'TimeoutError' ? `timeout after ${tuning.timeoutMs} ms` : networkReason(cause);
      return { ok: false, retry: true, error: upstreamFailure(reason, request.api, appid) };
    } finally {
      options.onCall?.({ appid, api: request.api, errcode, ms: performance.now() - started });
    }
  }

  // The failures worth another attempt (-1, network, timeout, 5xx), as `attempt` judged them.
  const retryable = new WeakSet<WechatApiError>();
  const policy = { attempts: tuning.retries + 1, baseMs: tuning.backoffMs, maxMs: tuning.maxBackoffMs };

  return {
    appid,
    call: (request) =>
      retryWithBackoff(
        async () => {
          const wait = circuit.openFor(request.api);
          if (wait > 0) {
            throw errorFromErrcode(WechatErrcode.API_DAILY_QUOTA, `quota circuit open for ${Math.ceil(wait / 1000)} s more`, request.api, appid);
          }
          const maxWaitMs = request.interactive ? tuning.interactiveQueueWaitMs : undefined;
          if (!(await limiter.acquire(`${appid} ${request.api}`, maxWaitMs))) {
            throw new WechatApiError({
              kind: 'rate_limited',
              errcode: null,
              errmsg: `more calls are waiting than the client-side limit lets through within ${tuning.interactiveQueueWaitMs} ms; retry shortly`,
              api: request.api,
              appid,
            });
          }
          const result = await attempt(request);
          if (result.ok) return result.json;
          if (result.error.errcode === WechatErrcode.API_DAILY_QUOTA) circuit.open(request.api);
          if (result.retry) retryable.add(result.error);
          throw result.error;
        },
        policy,
        { retryable: (error) => error instanceof WechatApiError && retryable.has(error) },
      ),
  };
}

/** `fetch failed` says nothing; its cause has the system error code (ECONNREFUSED…). */
function networkReason(cause: unknown): string {
  const inner = (cause as { cause?: { code?: unknown } }).cause;
  const code = typeof inner?.code === 'string' ? inner.code : undefined;
  return code ? `network error ${code}` : 'network error';
}
