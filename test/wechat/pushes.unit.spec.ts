import { describe, expect, it } from 'vitest';
import { PayloadError } from '../../src/wechat/errors.ts';
import { parseJson } from '../../src/wechat/parseJson.ts';
import { parseXml } from '../../src/wechat/parseXml.ts';
import { dedupeKey, parsePush } from '../../src/wechat/pushes.ts';
import {
  authorizationRevoke,
  miniProgramDocJson,
  officialAccountEvents,
  officialPythonSample,
  scanCodePush,
} from './publishedVectors.ts';

const LIMIT = 64 * 1024;
const xml = (body: string) => parsePush(parseXml(body, LIMIT));
const json = (body: string) => parsePush(parseJson(body, LIMIT));

describe('parsePush', () => {
  it('reads a subscribe through a QR code: scene from qrscene_, ticket, CreateTime as seconds', () => {
    expect(xml(officialAccountEvents.qrSubscribe)).toEqual({
      kind: 'subscribe',
      openid: 'FromUser',
      scene: '123123',
      ToUserName: 'toUser',
      FromUserName: 'FromUser',
      CreateTime: 123456789,
      MsgType: 'event',
      Event: 'subscribe',
      EventKey: 'qrscene_123123',
      Ticket: 'TICKET',
    });
  });

  it('reads a plain subscribe without scene', () => {
    const push = xml(officialAccountEvents.subscribe);
    expect(push.kind).toBe('subscribe');
    expect(push).not.toHaveProperty('scene');
  });

  it('reads unsubscribe and SCAN', () => {
    const unsubscribe = xml(officialAccountEvents.subscribe.replace('[subscribe]', '[unsubscribe]'));
    expect(unsubscribe).toMatchObject({ kind: 'unsubscribe', openid: 'FromUser', CreateTime: 123456789 });
    expect(xml(officialAccountEvents.scan)).toMatchObject({
      kind: 'scan',
      openid: 'FromUser',
      Event: 'SCAN',
      EventKey: 'SCENE_VALUE',
      Ticket: 'TICKET',
    });
  });

  it('reads user_authorization_revoke in XML, the user being OpenID, not FromUserName', () => {
    expect(xml(authorizationRevoke.xml)).toEqual({
      kind: 'user_authorization_revoke',
      openid: 'owAqB1nqaOYYWl0Ng484G2z5NIwU',
      ToUserName: 'gh_870882ca4b1',
      FromUserName: 'owAqB1v0ahK_Xlc7GshIDdf2yf7E',
      CreateTime: 1626857200,
      MsgType: 'event',
      Event: 'user_authorization_revoke',
      OpenID: 'owAqB1nqaOYYWl0Ng484G2z5NIwU',
      AppID: 'wx13974bf780d3dc89',
      RevokeInfo: '1',
    });
  });

  it('reads user_authorization_revoke in JSON (CreateTime is a number there)', () => {
    expect(json(authorizationRevoke.json)).toMatchObject({
      kind: 'user_authorization_revoke',
      openid: 'oaKk343WOktAaT2ygsX138BGblrg',
      CreateTime: 1627359464,
      RevokeInfo: '301',
    });
  });

  it('falls back to FromUserName when a revoke has no OpenID', () => {
    const body = authorizationRevoke.xml.replace(/<OpenID>.*<\/OpenID>\n/, '');
    expect(xml(body)).toMatchObject({ kind: 'user_authorization_revoke', openid: 'owAqB1v0ahK_Xlc7GshIDdf2yf7E' });
  });

  it('reads a message with its MsgId as an exact string, from XML and from JSON', () => {
    expect(xml(officialPythonSample.decrypted)).toMatchObject({
      kind: 'message',
      openid: 'oyORnuP8q7ou2gfYjqLzSIWZf0rs',
      MsgId: '6054768590064713728',
    });
    const fromJson = json(
      '{"ToUserName":"gh_1","FromUserName":"o1","CreateTime":1714112445,"MsgType":"text","Content":"hi","MsgId":1234567890123456789}',
    );
    expect(fromJson).toMatchObject({ kind: 'message', MsgId: '1234567890123456789' });
    expect(json('{"ToUserName":"gh_1","FromUserName":"o1","CreateTime":1,"MsgType":"text","MsgId":42}')).toMatchObject({
      MsgId: '42',
    });
  });

  it('matches event names case-insensitively, as WeChat documents them', () => {
    expect(xml(officialAccountEvents.subscribe.replace('[subscribe]', '[Subscribe]')).kind).toBe('subscribe');
  });

  it('turns everything else into kind "other", keeping only the common fields', () => {
    expect(xml(scanCodePush)).toEqual({
      kind: 'other',
      ToUserName: 'gh_e136c6e50636',
      FromUserName: 'oMgHVjngRipVsoxg6TuX3vz6glDg',
      CreateTime: 1408090502,
      MsgType: 'event',
      Event: 'scancode_push',
    });
    expect(json(miniProgramDocJson.decrypted)).toMatchObject({ kind: 'other', Event: 'debug_demo' });
    expect(json('{"action":"CheckContainerPath"}')).toEqual({ kind: 'other' });
  });

  it('never refuses an unknown push, dropping fields of unexpected types', () => {
    expect(json('{"ToUserName":5,"CreateTime":"soon","MsgType":"event","Event":"new_event"}')).toEqual({
      kind: 'other',
      MsgType: 'event',
      Event: 'new_event',
    });
  });

  it('refuses a known push with missing or invalid fields', () => {
    const noOpenid = officialAccountEvents.subscribe.replace('<FromUserName><![CDATA[FromUser]]></FromUserName>', '');
    const badTime = officialAccountEvents.subscribe.replace('123456789', 'yesterday');
    for (const body of [noOpenid, badTime]) {
      expect(() => xml(body)).toThrow(PayloadError);
      try {
        xml(body);
      } catch (error) {
        expect((error as PayloadError).code).toBe('invalid_push');
      }
    }
  });
});

describe('dedupeKey', () => {
  it('is the MsgId when there is one', () => {
    expect(dedupeKey(xml(officialPythonSample.decrypted))).toBe('6054768590064713728');
  });

  it('is who, when and what for events, with the EventKey of a QR subscribe', () => {
    expect(dedupeKey(xml(officialAccountEvents.qrSubscribe))).toBe('toUser|FromUser|123456789|subscribe|qrscene_123123');
    expect(dedupeKey(xml(officialAccountEvents.subscribe))).toBe('toUser|FromUser|123456789|subscribe|');
  });

  it('tells apart two users revoking in the same second (FromUserName is the platform account)', () => {
    const first = xml(authorizationRevoke.xml);
    const second = xml(authorizationRevoke.xml.replace('owAqB1nqaOYYWl0Ng484G2z5NIwU', 'oOtherUser'));
    expect(dedupeKey(first)).not.toBe(dedupeKey(second));
  });

  it('is the same for the same push read from a retry', () => {
    expect(dedupeKey(xml(officialAccountEvents.scan))).toBe(dedupeKey(xml(officialAccountEvents.scan)));
  });
});
