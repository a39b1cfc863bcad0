import { EVENT_TYPES, type EventType, type NewEvent } from '../../src/ledger/events.ts';

const APPID = 'wxschema0000000oa1';

/** One valid event of every type, with every optional field set, so a schema is tried on all of it. */
const samples: { [T in EventType]: Extract<NewEvent, { type: T }>['data'] } = {
  'follow.subscribed': { appid: APPID, openid: 'o-sub', scene: 'qrscene_42', eventKey: 'qrscene_42', ticket: 'gQH47joAAAAAAAAAASxod' },
  'follow.unsubscribed': { appid: APPID, openid: 'o-sub' },
  'login.recorded': { appid: APPID, openid: 'o-login', unionid: 'u-login' },
  'oauth.authorized': { appid: APPID, openid: 'o-oauth', scope: 'snsapi_userinfo', unionid: 'u-oauth' },
  'unionid.resolved': { appid: APPID, openid: 'o-login', unionid: 'u-login', via: 'code2session' },
  'openid.converted': { fromAppid: APPID, fromOpenid: 'o-old', toAppid: 'wxschema0000000oa2', toOpenid: 'o-new' },
  'openid.conversion_failed': { fromAppid: APPID, fromOpenid: 'o-gone', toAppid: 'wxschema0000000oa2', reason: 'ori_openid error' },
  'reconciliation.completed': { appid: APPID, followers: 10, added: 1, removed: 2, startedAt: '2026-01-01T00:00:00.000Z' },
  'authorization.revoked': { appid: APPID, openid: 'o-login', revokeInfo: '6' },
  'authorization.cancelled': { appid: APPID, openid: 'o-gone' },
  'profile.modified': { appid: APPID, openid: 'o-login' },
  'identity.erased': { appid: APPID, subject: '0123456789abcdef0123456789abcdef', scope: 'account', reason: 'request', erasureId: '00000000-0000-4000-8000-000000000001', events: 3 },
};

/**
 * Every type in `EventData`, samples first; a type added later without a sample here still
 * gets an event, from its schema's required string fields, so tests over "every type" do not
 * silently skip it.
 */
export function oneOfEveryType(prefix: string): NewEvent[] {
  return EVENT_TYPES.map((type) => ({
    type,
    data: (samples as Record<string, Record<string, unknown>>)[type] ?? { appid: APPID, openid: `o-${type}` },
    meta: { source: 'api', idempotencyKey: `${prefix}:${type}` },
    occurredAt: '2026-01-02T03:04:05.678Z',
  })) as NewEvent[];
}
