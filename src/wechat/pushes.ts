import { z } from 'zod';
import { PayloadError } from './errors.ts';

/**
 * The pushes the ledger acts on, typed. Wire fields keep WeChat's names (ToUserName, CreateTime…)
 * so they can be found in WeChat's documentation; derived fields are camelCase: `kind`, `openid`
 * (whose user the push is about) and `scene` (the QR scene of a `qrscene_…` subscribe).
 * Everything else — menu clicks, unknown events, pushes without the usual fields — is
 * `kind: 'other'`, so a new WeChat event type is counted, never rejected.
 */
const text = z.string().min(1);
const optionalText = z.string().optional();
// XML gives "1409735668", JSON gives 1409735668; both mean seconds since the epoch.
const seconds = z.union([z.string().regex(/^\d{1,12}$/), z.number().int().nonnegative()]).transform(Number);
// JSON numbers below 2^53 stay numbers (parseJson only quotes longer ones): normalise to a string.
const msgId = z.union([text, z.number().int().nonnegative()]).transform(String);

const base = {
  ToUserName: text,
  FromUserName: text,
  CreateTime: seconds,
  MsgType: text,
};

const Subscribe = z.object({ ...base, Event: text, EventKey: optionalText, Ticket: optionalText });
const Unsubscribe = z.object({ ...base, Event: text });
const Scan = z.object({ ...base, Event: text, EventKey: optionalText, Ticket: optionalText });
const AuthorizationRevoke = z.object({
  ...base,
  Event: text,
  OpenID: optionalText,
  AppID: optionalText,
  RevokeInfo: optionalText,
});
const Message = z.object({ ...base, MsgId: msgId });
// An unknown push must never be refused (it is counted and answered `success`), so a field of an
// unexpected type is dropped instead of failing the push.
const Other = z.object({
  ToUserName: optionalText.catch(undefined),
  FromUserName: optionalText.catch(undefined),
  CreateTime: seconds.optional().catch(undefined),
  MsgType: optionalText.catch(undefined),
  Event: optionalText.catch(undefined),
  MsgId: msgId.optional().catch(undefined),
});

export type SubscribePush = z.infer<typeof Subscribe> & { kind: 'subscribe'; openid: string; scene?: string };
export type UnsubscribePush = z.infer<typeof Unsubscribe> & { kind: 'unsubscribe'; openid: string };
export type ScanPush = z.infer<typeof Scan> & { kind: 'scan'; openid: string };
export type AuthorizationRevokePush = z.infer<typeof AuthorizationRevoke> & {
  kind: 'user_authorization_revoke';
  openid: string;
};
/** The platform's authorization pushes (授权用户信息变更): the user is `OpenID`; FromUserName is the platform's account. */
export type AuthorizationCancellationPush = z.infer<typeof AuthorizationRevoke> & { kind: 'user_authorization_cancellation'; openid: string };
export type UserInfoModifiedPush = z.infer<typeof AuthorizationRevoke> & { kind: 'user_info_modified'; openid: string };
export type MessagePush = z.infer<typeof Message> & { kind: 'message'; openid: string };
export type OtherPush = z.infer<typeof Other> & { kind: 'other' };
export type Push =
  | SubscribePush
  | UnsubscribePush
  | ScanPush
  | AuthorizationRevokePush
  | AuthorizationCancellationPush
  | UserInfoModifiedPush
  | MessagePush
  | OtherPush;

const QR_SCENE_PREFIX = 'qrscene_';

export function parsePush(raw: Record<string, unknown>): Push {
  // WeChat's own JSON samples of the authorization pushes write `" OpenID"`: tolerate padded names.
  const fields = Object.keys(raw).some((key) => key !== key.trim()) ? Object.fromEntries(Object.entries(raw).map(([key, value]) => [key.trim(), value])) : raw;
  const msgType = typeof fields.MsgType === 'string' ? fields.MsgType.toLowerCase() : undefined;
  // WeChat documents event names as case-insensitive (subscribe, but SCAN).
  const event = typeof fields.Event === 'string' ? fields.Event.toLowerCase() : undefined;

  if (msgType === 'event' && event === 'subscribe') {
    const push = read(Subscribe, fields);
    const scene = push.EventKey?.startsWith(QR_SCENE_PREFIX) ? push.EventKey.slice(QR_SCENE_PREFIX.length) : undefined;
    return { ...push, kind: 'subscribe', openid: push.FromUserName, ...(scene ? { scene } : {}) };
  }
  if (msgType === 'event' && event === 'unsubscribe') {
    const push = read(Unsubscribe, fields);
    return { ...push, kind: 'unsubscribe', openid: push.FromUserName };
  }
  if (msgType === 'event' && event === 'scan') {
    const push = read(Scan, fields);
    return { ...push, kind: 'scan', openid: push.FromUserName };
  }
  if (msgType === 'event' && event === 'user_authorization_revoke') {
    const push = read(AuthorizationRevoke, fields);
    // FromUserName is documented as the platform's push account here; the user is OpenID.
    return { ...push, kind: 'user_authorization_revoke', openid: push.OpenID || push.FromUserName };
  }
  // Documented with OpenID (developers.weixin.qq.com/miniprogram/dev/server/event_push/platform/
  // authorized_user_information_changes); reported to arrive without it at times: then there is
  // no user to act on, and the push is counted as `other`.
  if (msgType === 'event' && (event === 'user_authorization_cancellation' || event === 'user_info_modified') && typeof fields.OpenID === 'string' && fields.OpenID !== '') {
    const push = read(AuthorizationRevoke, fields);
    return { ...push, kind: event, openid: push.OpenID! };
  }
  if (msgType !== undefined && msgType !== 'event' && fields.MsgId !== undefined) {
    const push = read(Message, fields);
    return { ...push, kind: 'message', openid: push.FromUserName };
  }
  return { ...read(Other, fields), kind: 'other' };
}

function read<T extends z.ZodType>(schema: T, fields: Record<string, unknown>): z.infer<T> {
  const result = schema.safeParse(fields);
  if (!result.success) {
    const where = result.error.issues.map((issue) => issue.path.join('.')).join(', ');
    throw new PayloadError('invalid_push', `push has missing or invalid fields: ${where}`);
  }
  return result.data;
}

/**
 * The idempotency key of a push: WeChat retries a push up to 3 times, byte for byte. Messages
 * carry a unique MsgId; events do not, so they are identified by who, when and what. A revoke's
 * FromUserName is the platform account, shared by every user, so its OpenID and RevokeInfo are
 * part of the key; EventKey distinguishes two QR scans in the same second.
 */
export function dedupeKey(push: Push): string {
  if ((push.kind === 'message' || push.kind === 'other') && push.MsgId !== undefined) return push.MsgId;
  const parts = [push.ToUserName, push.FromUserName, push.CreateTime, 'Event' in push ? push.Event : undefined];
  if (push.kind === 'subscribe' || push.kind === 'scan') parts.push(push.EventKey);
  if (push.kind === 'user_authorization_revoke' || push.kind === 'user_authorization_cancellation' || push.kind === 'user_info_modified') parts.push(push.OpenID, push.RevokeInfo);
  return parts.map((part) => part ?? '').join('|');
}
