import { createHash, randomBytes } from 'node:crypto';
import { createMessageCrypto } from '../wechat/messageCrypto.ts';
import { computeSignature } from '../wechat/signature.ts';

/**
 * Builds and delivers pushes the way WeChat does, to exercise a callback URL end to end:
 * `signature` over (token, timestamp, nonce) on every push; in safe mode the body is only
 * `ToUserName` + `Encrypt` with `msg_signature`, in compatible mode the clear fields come too.
 * Delivery: up to 3 tries, 5 s each; anything but HTTP 200 with `success` or an empty body is
 * retried (DESIGN §2, WeChat's passive-reply rules). Build a push right before sending it: its
 * timestamp must be within the service's window (wechat.timestampToleranceSeconds).
 */
export type PushMode = 'plain' | 'compatible' | 'safe';

export type PushAccount = {
  appid: string;
  /** The callback token configured in the WeChat console. */
  token: string;
  encodingAESKey?: string;
  /** `gh_…`: pushes are addressed to it (ToUserName). */
  originalId: string;
  /** OA: xml; MP: xml or json. */
  format: 'xml' | 'json';
  mode: PushMode;
};

export type PushEvent =
  | { event: 'subscribe'; openid: string; createTime?: number; eventKey?: string; ticket?: string }
  | { event: 'unsubscribe'; openid: string; createTime?: number }
  | { event: 'user_authorization_revoke'; openid: string; createTime?: number; revokeInfo?: string }
  | { event: 'user_authorization_cancellation'; openid: string; createTime?: number }
  | { event: 'user_info_modified'; openid: string; createTime?: number };

/** Injectable so tests can send deliberately broken ciphertexts or signatures. */
export type PushCrypto = {
  sign(timestamp: string, nonce: string): string;
  encrypt(plaintext: string): string;
  msgSign(timestamp: string, nonce: string, encrypt: string): string;
};

export type BuiltPush = { query: Record<string, string>; body: string; contentType: string };

export type PushDelivery = {
  delivered: boolean;
  attempts: { status: number | null; body: string; ms: number }[];
};

export function defaultPushCrypto(account: PushAccount): PushCrypto {
  const crypto = account.encodingAESKey
    ? createMessageCrypto({ token: account.token, encodingAESKey: account.encodingAESKey, appid: account.appid })
    : null;
  return {
    sign: (timestamp, nonce) => computeSignature(account.token, timestamp, nonce),
    encrypt(plaintext) {
      if (!crypto) throw new Error(`push to ${account.appid}: safe and compatible mode need an encodingAESKey`);
      return crypto.encrypt(plaintext);
    },
    msgSign(timestamp, nonce, encrypt) {
      if (!crypto) throw new Error(`push to ${account.appid}: safe and compatible mode need an encodingAESKey`);
      return crypto.sign(timestamp, nonce, encrypt);
    },
  };
}

export function pushFields(account: PushAccount, push: PushEvent, now = Date.now()): Record<string, string | number> {
  const fields: Record<string, string | number> = {
    ToUserName: account.originalId,
    FromUserName: push.openid,
    CreateTime: push.createTime ?? Math.floor(now / 1000),
    MsgType: 'event',
    Event: push.event,
  };
  if (push.event === 'subscribe') {
    if (push.eventKey !== undefined) fields.EventKey = push.eventKey;
    if (push.ticket !== undefined) fields.Ticket = push.ticket;
  }
  if (push.event === 'user_authorization_revoke' || push.event === 'user_authorization_cancellation' || push.event === 'user_info_modified') {
    // Here FromUserName is WeChat's push service ("平台推送服务UserName"), the user is OpenID.
    fields.FromUserName = `o${createHash('sha256').update(`push-service\u0000${account.appid}`).digest('base64url').slice(0, 27)}`;
    fields.OpenID = push.openid;
    fields.AppID = account.appid;
    if (push.event === 'user_authorization_revoke') fields.RevokeInfo = push.revokeInfo ?? '1';
  }
  return fields;
}

export function renderPush(fields: Record<string, string | number>, format: 'xml' | 'json'): string {
  if (format === 'json') return JSON.stringify(fields);
  const cdata = (value: string) => `<![CDATA[${value.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;
  const inner = Object.entries(fields)
    .map(([name, value]) => `<${name}>${typeof value === 'number' ? value : cdata(value)}</${name}>`)
    .join('');
  return `<xml>${inner}</xml>`;
}

export function buildPush(
  account: PushAccount,
  push: PushEvent,
  options: { timestamp?: string; nonce?: string; crypto?: PushCrypto; now?: number } = {},
): BuiltPush {
  const crypto = options.crypto ?? defaultPushCrypto(account);
  // Signed now, as WeChat does: the service refuses a timestamp outside its window (300 s by
  // default) and a CreateTime far from it. The nonce is 48 random bits: the service refuses a
  // (timestamp, nonce) it has seen with another body, so two pushes in one second must not share one.
  const now = options.now ?? Date.now();
  const timestamp = options.timestamp ?? String(Math.floor(now / 1000));
  const nonce = options.nonce ?? String(randomBytes(6).readUIntBE(0, 6));
  const fields = pushFields(account, push, now);
  const contentType = account.format === 'json' ? 'application/json' : 'text/xml';
  const query: Record<string, string> = { signature: crypto.sign(timestamp, nonce), timestamp, nonce, openid: push.openid };
  if (account.mode === 'plain') return { query, body: renderPush(fields, account.format), contentType };

  const encrypt = crypto.encrypt(renderPush(fields, account.format));
  query.encrypt_type = 'aes';
  query.msg_signature = crypto.msgSign(timestamp, nonce, encrypt);
  const outer: Record<string, string | number> = account.mode === 'safe' ? { ToUserName: account.originalId, Encrypt: encrypt } : { ...fields, Encrypt: encrypt };
  return { query, body: renderPush(outer, account.format), contentType };
}

/**
 * POSTs one push to `url` (the callback URL), retrying like WeChat. The same query and body are
 * re-sent each try, which the service's replay check lets through (and its ledger dedupes).
 */
export async function sendPush(
  url: string,
  push: BuiltPush,
  options: { tries?: number; timeoutMs?: number; fetch?: typeof fetch } = {},
): Promise<PushDelivery> {
  const tries = options.tries ?? 3;
  const timeoutMs = options.timeoutMs ?? 5000;
  const doFetch = options.fetch ?? fetch;
  const target = new URL(url);
  for (const [key, value] of Object.entries(push.query)) target.searchParams.set(key, value);
  const attempts: PushDelivery['attempts'] = [];
  for (let i = 0; i < tries; i++) {
    const started = performance.now();
    try {
      const response = await doFetch(target, {
        method: 'POST',
        headers: { 'content-type': push.contentType },
        body: push.body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      const body = await response.text();
      attempts.push({ status: response.status, body, ms: performance.now() - started });
      const answer = body.trim();
      if (response.status === 200 && (answer === 'success' || answer === '')) return { delivered: true, attempts };
    } catch {
      attempts.push({ status: null, body: '', ms: performance.now() - started });
    }
  }
  return { delivered: false, attempts };
}
