import { describe, expect, it } from 'vitest';
import { pushToEvents } from '../../src/commands/pushToEvents.ts';
import { DEFAULT_ERASURE_POLICY, erasureCalledFor, ErasurePolicy } from '../../src/erasure/erasurePolicy.ts';
import type { LedgerEvent } from '../../src/ledger/events.ts';
import { parseJson } from '../../src/wechat/parseJson.ts';
import { parseXml } from '../../src/wechat/parseXml.ts';
import { dedupeKey, parsePush } from '../../src/wechat/pushes.ts';

const event = (type: LedgerEvent['type'], extra: Partial<LedgerEvent> = {}): LedgerEvent =>
  ({ id: 'e', position: 1, type, stream: 's', streamVersion: 1, data: { appid: 'wxmp', openid: 'o-1' }, meta: { source: 'webhook', idempotencyKey: 'k' }, occurredAt: '', recordedAt: '', hash: '', prevHash: '', ...extra }) as LedgerEvent;

describe('the erasure policy', () => {
  it('by default erases on unsubscribe, revoke and cancellation, and on nothing else', () => {
    expect(DEFAULT_ERASURE_POLICY).toEqual({ onUnsubscribe: 'erase', onRevoke: 'erase', onCancellation: 'erase' });
    expect(erasureCalledFor(DEFAULT_ERASURE_POLICY, event('follow.unsubscribed'))).toEqual({ reason: 'unsubscribe', appid: 'wxmp', openid: 'o-1' });
    expect(erasureCalledFor(DEFAULT_ERASURE_POLICY, event('authorization.revoked'))?.reason).toBe('revoke');
    expect(erasureCalledFor(DEFAULT_ERASURE_POLICY, event('authorization.cancelled'))?.reason).toBe('cancellation');
    for (const type of ['follow.subscribed', 'profile.modified', 'login.recorded', 'identity.erased'] as const) expect(erasureCalledFor(DEFAULT_ERASURE_POLICY, event(type))).toBeNull();
  });

  it('keep is kept, per withdrawal; an already redacted event calls for nothing', () => {
    const keep = ErasurePolicy.parse({ onUnsubscribe: 'keep' });
    expect(erasureCalledFor(keep, event('follow.unsubscribed'))).toBeNull();
    expect(erasureCalledFor(keep, event('authorization.revoked'))?.reason).toBe('revoke');
    expect(erasureCalledFor(DEFAULT_ERASURE_POLICY, event('follow.unsubscribed', { erased: true }))).toBeNull();
    expect(() => ErasurePolicy.parse({ onUnsubscribe: 'delete' })).toThrow();
    expect(() => ErasurePolicy.parse({ onRevokes: 'erase' })).toThrow();
  });
});

/** WeChat's 授权用户信息变更 pushes (developers.weixin.qq.com/miniprogram/dev/server/event_push/platform/authorized_user_information_changes). */
describe('the authorization pushes', () => {
  const xml = (eventName: string, extra = '') =>
    `<xml><ToUserName><![CDATA[gh_870882ca4b1]]></ToUserName><FromUserName><![CDATA[owAqB1v0ahK_Xlc7GshIDdf2yf7E]]></FromUserName>` +
    `<CreateTime>1626857200</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[${eventName}]]></Event>` +
    `<OpenID><![CDATA[owAqB1nqaOYYWl0Ng484G2z5NIwU]]></OpenID><AppID><![CDATA[wx13974bf780d3dc89]]></AppID>${extra}</xml>`;

  it('reads cancellation and user_info_modified from XML: the user is OpenID, not FromUserName', () => {
    for (const name of ['user_authorization_cancellation', 'user_info_modified'] as const) {
      const push = parsePush(parseXml(xml(name), 65_536));
      expect(push).toMatchObject({ kind: name, openid: 'owAqB1nqaOYYWl0Ng484G2z5NIwU' });
    }
    expect(pushToEvents('wx13974bf780d3dc89', parsePush(parseXml(xml('user_authorization_cancellation'), 65_536)))).toMatchObject([
      { type: 'authorization.cancelled', data: { appid: 'wx13974bf780d3dc89', openid: 'owAqB1nqaOYYWl0Ng484G2z5NIwU' }, occurredAt: new Date(1626857200_000) },
    ]);
    expect(pushToEvents('wx13974bf780d3dc89', parsePush(parseXml(xml('user_info_modified'), 65_536)))[0]!.type).toBe('profile.modified');
    const revoke = pushToEvents('wx13974bf780d3dc89', parsePush(parseXml(xml('user_authorization_revoke', '<RevokeInfo><![CDATA[6]]></RevokeInfo>'), 65_536)));
    expect(revoke[0]!.data).toEqual({ appid: 'wx13974bf780d3dc89', openid: 'owAqB1nqaOYYWl0Ng484G2z5NIwU', revokeInfo: '6' });
  });

  it("reads the JSON form, including WeChat's own sample whose names carry a leading space", () => {
    const sample = '{"ToUserName": "gh_870882ca4b1", "FromUserName": "oaKk346BaWE-eIn4oSRWbaM9vR7s", "CreateTime": 1627359464, "MsgType": "event", ' +
      '"Event": "user_authorization_cancellation", " OpenID": "oaKk343WOktAaT2ygsX138BGblrg", " AppID": "wx13974bf780d3dc89"}';
    expect(parsePush(parseJson(sample, 65_536))).toMatchObject({ kind: 'user_authorization_cancellation', openid: 'oaKk343WOktAaT2ygsX138BGblrg' });
  });

  it('without an OpenID there is no user to act on: counted as other, never appended', () => {
    const push = parsePush(parseXml(xml('user_info_modified').replace(/<OpenID>.*<\/OpenID>/, ''), 65_536));
    expect(push.kind).toBe('other');
    expect(pushToEvents('wx', push)).toEqual([]);
  });

  it('two users revoking in the same second are two events (the shared platform FromUserName is not the user)', () => {
    const a = parsePush(parseXml(xml('user_authorization_cancellation'), 65_536));
    const b = parsePush(parseXml(xml('user_authorization_cancellation').replace('owAqB1nqaOYYWl0Ng484G2z5NIwU', 'owAqB1other000000000000000000'), 65_536));
    expect(dedupeKey(a)).not.toBe(dedupeKey(b));
  });
});
