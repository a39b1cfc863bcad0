import type { EventDataOf, EventType } from '../ledger/events.ts';

/**
 * Example values for the OpenAPI document, shaped like WeChat's (appids are `wx` + 16 hex digits,
 * openids and unionids 28 characters, original ids `gh_` + 12 hex digits) and like what the
 * service answers (pseudonyms and digests are the lengths it writes), so an example copied from
 * /docs reads like real traffic. One person (`openid` in the Official Account, `mpOpenid` in the
 * mini program, one `unionid`) runs through all of them.
 */
export const EXAMPLE = {
  oaAppid: 'wx8f2a0c1b3d4e5f60',
  mpAppid: 'wx3b7d9e1f2a4c6e80',
  webAppid: 'wx5c1e3a7b9d2f4a61',
  /** The account an Official Account was migrated to (主体变更). */
  newOaAppid: 'wx9d4b6f8a0c2e4b73',
  originalId: 'gh_3f7a9c1e5b2d',
  openid: 'oAbCdEfGhIjKlMnOpQrStUvWxYz0',
  mpOpenid: 'oXyZ9aB8cD7eF6gH5iJ4kL3mN2o1',
  webOpenid: 'oWb3Kx7Lm1Np5Qr9St2Uv6Wx0Yz4',
  newOpenid: 'oNeW1oPeNiD2aFtEr3MiGrAt4IoN',
  unionid: 'oU1nIoNiDaBcDeFgHiJkLmNoPqRs',
  /** A `wx.login` / web OAuth code (one-time, 5 minutes). */
  code: '0c3Kx1000Nm8Fj1ZxY300mMaH43Kx10G',
  time: '2025-03-14T08:26:53.000Z',
  recordedAt: '2025-03-14T08:26:53.412Z',
  eventId: '5b1f7c2e-3a4d-4e6f-9a8b-7c6d5e4f3a2b',
  jobId: '9b2f4c1e-7a3d-4e5f-8a1b-2c3d4e5f6a7b',
  erasureId: 'e0d3ea1c-67f8-4a30-be73-77852aff05cc',
  /** The pseudonym (keyed HMAC) of the OA follower, as streams and erasures show it. */
  subject: '612cc63004d38e2fa050441ffa8d11b5',
  mpSubject: '0dd4999c2baceeb876d1b8c46410f598',
  hash: '17a09736825fd90d296fb1752ddda872671c46de9d95acf456cb296e4d0e11cd',
  prevHash: '252501c1a01b740cde379d5cb89b2c2d82fa29b10ea66eda751a406608d5ede1',
  requestDigest: 'acf9753609e34b13b381e7fbcef23821b85c43828a55d55aec608f59475257fa',
  idempotencyKeyDigest: '00ebf09d690895bc12853a3b5ba5f5bb',
  scene: 'spring2025',
  ticket: 'gQH47joAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xL2taZ2Z3TVRtNzJXV1Brb3ZhYmJJAAIEZ23sUwMEmm3sUw==',
  /** A WeChat callback signature: sha1 hex. */
  signature: '3d9a5e2b7c1f4a6d8e0b2c4f6a8d0e2b4c6f8a0d',
  timestamp: '1741940813',
  nonce: '1320562132',
  apiKey: 'shop-mp-backend',
} as const;

const E = EXAMPLE;

type Example<T extends EventType> = { data: EventDataOf<T>; stream: string; source: string; position: number; streamVersion: number };

const oaStream = `user-${E.oaAppid}-${E.subject}`;
const mpStream = `user-${E.mpAppid}-${E.mpSubject}`;

const EVENT_EXAMPLES: { [T in EventType]: Example<T> } = {
  'follow.subscribed': {
    data: { appid: E.oaAppid, openid: E.openid, scene: E.scene, eventKey: `qrscene_${E.scene}`, ticket: E.ticket },
    stream: oaStream, source: 'webhook', position: 1, streamVersion: 1,
  },
  'follow.unsubscribed': { data: { appid: E.oaAppid, openid: E.openid }, stream: oaStream, source: 'webhook', position: 9, streamVersion: 3 },
  'login.recorded': { data: { appid: E.mpAppid, openid: E.mpOpenid, unionid: E.unionid }, stream: mpStream, source: 'login', position: 2, streamVersion: 1 },
  'oauth.authorized': {
    data: { appid: E.webAppid, openid: E.webOpenid, scope: 'snsapi_userinfo', unionid: E.unionid },
    stream: `user-${E.webAppid}-9a41c2e7b05d3f8e6c1a2b4d7e9f0a13`, source: 'oauth', position: 5, streamVersion: 1,
  },
  'unionid.resolved': { data: { appid: E.oaAppid, openid: E.openid, unionid: E.unionid, via: 'user_info' }, stream: oaStream, source: 'webhook', position: 4, streamVersion: 2 },
  'openid.converted': {
    data: { fromAppid: E.oaAppid, fromOpenid: E.openid, toAppid: E.newOaAppid, toOpenid: E.newOpenid },
    stream: oaStream, source: 'conversion', position: 12, streamVersion: 4,
  },
  'openid.conversion_failed': {
    data: { fromAppid: E.oaAppid, fromOpenid: 'oNoTaFoLlOwEr0fThEoLdAcCoUnT', toAppid: E.newOaAppid, reason: 'ori_openid error' },
    stream: `user-${E.oaAppid}-c3e5a7b9d1f20e4a6c8b0d2f4a6c8e0b`, source: 'conversion', position: 13, streamVersion: 2,
  },
  'reconciliation.completed': {
    data: { appid: E.oaAppid, followers: 10_482, added: 37, removed: 12, startedAt: '2025-03-14T02:00:00.000Z' },
    stream: `account-${E.oaAppid}`, source: 'reconciliation', position: 10_530, streamVersion: 1,
  },
  'authorization.revoked': { data: { appid: E.mpAppid, openid: E.mpOpenid, revokeInfo: '1' }, stream: mpStream, source: 'webhook', position: 20, streamVersion: 3 },
  'authorization.cancelled': { data: { appid: E.mpAppid, openid: E.mpOpenid }, stream: mpStream, source: 'webhook', position: 21, streamVersion: 4 },
  'profile.modified': { data: { appid: E.mpAppid, openid: E.mpOpenid }, stream: mpStream, source: 'webhook', position: 18, streamVersion: 2 },
  'identity.erased': {
    data: { appid: E.mpAppid, subject: E.mpSubject, scope: 'account', reason: 'cancellation', erasureId: E.erasureId, events: 4 },
    stream: mpStream, source: 'api', position: 22, streamVersion: 5,
  },
};

/** A whole envelope of `type`, as GET /v1/events answers it. */
export function exampleEvent(type: EventType) {
  const { data, stream, source, position, streamVersion } = EVENT_EXAMPLES[type];
  return {
    id: E.eventId,
    position,
    type,
    stream,
    streamVersion,
    data,
    meta: { source, idempotencyKey: E.idempotencyKeyDigest, ...(type === 'login.recorded' || type === 'oauth.authorized' ? { requestDigest: E.requestDigest } : {}) },
    occurredAt: E.time,
    recordedAt: E.recordedAt,
    hash: E.hash,
    prevHash: E.prevHash,
  };
}
