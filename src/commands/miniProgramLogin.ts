import type { Ledger } from '../ledger/ledger.ts';
import type { LedgerEvent, NewEvent } from '../ledger/events.ts';
import { IdempotencyKey } from '../ledger/idempotencyKey.ts';
import type { WechatClient } from '../wechat/api/wechatClient.ts';
import { decryptUserData, verifyRawDataSignature } from '../wechat/miniProgramCrypto.ts';
import { CommandError } from './commandError.ts';
import { refuseReplay, replayVerdict, requestDigest } from './codeReplay.ts';
import type { SessionKeyVault } from './sessionKeyVault.ts';
import { unionidResolved } from './unionidResolved.ts';

export type MiniProgramLoginInput = {
  appid: string;
  code: string;
  encryptedData?: string | undefined;
  iv?: string | undefined;
  rawData?: string | undefined;
  signature?: string | undefined;
  /** Who asks (the API key's id): a replay by another caller is a different request. */
  requester?: string | undefined;
};

export type MiniProgramLoginDeps = {
  ledger: Ledger;
  client: WechatClient;
  vault: SessionKeyVault;
  watermarkMaxAgeSeconds: number | null;
  now?: () => number;
};

export type LoginAnswer = { openid: string; unionid: string | null };

/**
 * `wx.login` code → code2Session → (rawData signature, encryptedData) → `login.recorded` and,
 * when a unionid is learned, `unionid.resolved`. The code is the idempotency key: a re-sent
 * request answers from the ledger without spending the (one-shot) code again — but only the
 * very same request (its digest is in the event's meta) and only within the code's lifetime;
 * anything else is 409 or 401, so a used code with a forged `rawData` never gets the user. The
 * session key is sealed in the vault and never leaves the service.
 */
export async function miniProgramLogin(deps: MiniProgramLoginDeps, input: MiniProgramLoginInput): Promise<LoginAnswer> {
  if ((input.encryptedData === undefined) !== (input.iv === undefined)) {
    throw new CommandError('invalid_request', 400, 'encryptedData and iv go together');
  }
  if ((input.rawData === undefined) !== (input.signature === undefined)) {
    throw new CommandError('invalid_request', 400, 'rawData and signature go together');
  }
  const loginKey = IdempotencyKey.miniProgramLogin(input.appid, input.code);
  const digest = requestDigest('miniprogram-login/1', [input.appid, input.code, input.encryptedData, input.iv, input.rawData, input.signature, input.requester]);
  const [earlier] = await deps.ledger.findByIdempotencyKeys([loginKey]);
  if (earlier) {
    const verdict = replayVerdict(earlier, digest, (deps.now ?? Date.now)());
    if (verdict !== 'answer') refuseReplay(verdict);
    return answerFrom(earlier);
  }
  const session = await deps.client.miniProgram.code2Session(input.code);
  if (input.rawData !== undefined && !verifyRawDataSignature(input.rawData, session.sessionKey, input.signature)) {
    throw new CommandError('invalid_raw_data_signature', 400, 'signature does not match sha1(rawData + session_key)');
  }
  let decryptedUnionid: string | null = null;
  if (input.encryptedData !== undefined && input.iv !== undefined) {
    const user = decryptUserData({
      encryptedData: input.encryptedData,
      iv: input.iv,
      sessionKey: session.sessionKey,
      appid: input.appid,
      watermarkMaxAgeSeconds: deps.watermarkMaxAgeSeconds,
    });
    if (user.openId !== session.openid) throw new CommandError('openid_mismatch', 400, 'decrypted data belongs to another user');
    decryptedUnionid = user.unionId ?? null;
  }
  const unionid = session.unionid ?? decryptedUnionid;
  const events: NewEvent[] = [
    {
      type: 'login.recorded',
      data: { appid: input.appid, openid: session.openid, ...(unionid ? { unionid } : {}) },
      meta: { source: 'login', idempotencyKey: loginKey, requestDigest: digest },
    },
  ];
  if (session.unionid) events.push(unionidResolved('login', { appid: input.appid, openid: session.openid, unionid: session.unionid, via: 'code2session' }));
  if (decryptedUnionid) events.push(unionidResolved('login', { appid: input.appid, openid: session.openid, unionid: decryptedUnionid, via: 'decrypt' }));
  const result = await deps.ledger.append(events);
  // The session key is kept only for a login the ledger holds: one it dropped (a fact from
  // before an erasure of this person) or that failed to commit leaves no key behind.
  if (result.events.some((event) => event.type === 'login.recorded' && !event.erased)) {
    await deps.vault.store(input.appid, session.openid, session.sessionKey);
  }
  return { openid: session.openid, unionid };
}

function answerFrom(login: LedgerEvent): LoginAnswer {
  const data = login.data as { openid: string; unionid?: string };
  return { openid: data.openid, unionid: data.unionid ?? null };
}
