import { createHash } from 'node:crypto';
import type { UnionidVia } from './events.ts';

/**
 * Every logical idempotency key the service appends under (`meta.idempotencyKey`, before the
 * ledger stores its keyed digest). A key is what makes a retry — WeChat's, a caller's, a resumed
 * job's — land on the event already appended, so these strings must never change: a new format
 * would append every fact once more after a deploy. test/ledger/idempotencyKey.unit.spec.ts pins
 * each one.
 */
export const IdempotencyKey = {
  /** A WeChat push; `dedupe` is its MsgId or its event fields (wechat/pushes.ts `dedupeKey`). */
  push: (appid: string, dedupe: string) => `push:${appid}:${dedupe}`,
  /** A mini program login spends a one-time code: the code is the request. */
  miniProgramLogin: (appid: string, code: string) => `login:${appid}:${code}`,
  /** A web OAuth callback, likewise by its one-time code. */
  oauth: (appid: string, code: string) => `oauth:${appid}:${code}`,
  /**
   * A login reported by an app: under the app's own `Idempotency-Key`, or without one under a
   * digest of what it reported, so the same login reported again within the same second is one event.
   */
  reportedLogin: (login: { appid: string; openid: string; unionid?: string | undefined }, occurredAt: string, callerKey?: string) =>
    `report:${login.appid}:${callerKey ?? createHash('sha256').update(JSON.stringify([login.appid, login.openid, login.unionid ?? null, occurredAt])).digest('hex')}`,
  /** Names the fact itself, so learning the same unionid again (every login, every reconciliation) appends nothing. */
  unionidResolved: (fact: { via: UnionidVia; appid: string; openid: string; unionid: string }) =>
    `unionid:${fact.via}:${fact.appid}:${fact.openid}:${fact.unionid}`,
  /** A reconciliation's correction of one openid: a resumed job appends each correction once. */
  reconciliationCorrection: (jobId: string, action: 'subscribe' | 'unsubscribe', openid: string) => `job:${jobId}:${action}:${openid}`,
  reconciliationCompleted: (jobId: string) => `job:${jobId}:completed`,
  /** One per openid and conversion job, success or refusal alike. */
  conversion: (jobId: string, fromOpenid: string) => `job:${jobId}:conversion:${fromOpenid}`,
  /** One `identity.erased` per erasure and data subject. */
  erasure: (erasureId: string, subject: string) => `erasure:${erasureId}:${subject}`,
} as const;
