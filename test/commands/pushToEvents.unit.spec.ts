import { describe, expect, it } from 'vitest';
import { pushToEvents } from '../../src/commands/pushToEvents.ts';
import { parseXml } from '../../src/wechat/parseXml.ts';
import { parsePush } from '../../src/wechat/pushes.ts';

const OA = 'wxoa0000000000001';
const MP = 'wxmp0000000000001';
const CREATE_TIME = 1700000000;
const at = new Date(CREATE_TIME * 1000);

/** A push as WeChat posts it in plain mode (the field layout of WeChat's 接收事件推送 samples). */
const push = (fields: Record<string, string | number>) =>
  parsePush(
    parseXml(
      `<xml>${Object.entries(fields)
        .map(([name, value]) => (typeof value === 'number' ? `<${name}>${value}</${name}>` : `<${name}><![CDATA[${value}]]></${name}>`))
        .join('')}</xml>`,
      65_536,
    ),
  );
const event = (name: string, extra: Record<string, string> = {}) =>
  push({ ToUserName: 'gh_oa', FromUserName: 'oUser1', CreateTime: CREATE_TIME, MsgType: 'event', Event: name, ...extra });
/** The platform's authorization pushes: FromUserName is the platform's account, the user is OpenID. */
const authorization = (name: string, extra: Record<string, string> = {}) =>
  push({ ToUserName: 'gh_mp', FromUserName: 'oPlatform', CreateTime: CREATE_TIME, MsgType: 'event', Event: name, OpenID: 'oUser1', AppID: MP, ...extra });

describe('what a push means for the ledger (pushToEvents)', () => {
  it('subscribe from a QR code: follow.subscribed with scene, event key and ticket, at CreateTime', () => {
    expect(pushToEvents(OA, event('subscribe', { EventKey: 'qrscene_123123', Ticket: 'TICKET' }))).toEqual([
      {
        type: 'follow.subscribed',
        data: { appid: OA, openid: 'oUser1', scene: '123123', eventKey: 'qrscene_123123', ticket: 'TICKET' },
        meta: { source: 'webhook', idempotencyKey: `push:${OA}:gh_oa|oUser1|1700000000|subscribe|qrscene_123123` },
        occurredAt: at,
      },
    ]);
  });

  it('a plain subscribe: follow.subscribed with nothing optional', () => {
    expect(pushToEvents(OA, event('subscribe'))).toEqual([
      { type: 'follow.subscribed', data: { appid: OA, openid: 'oUser1' }, meta: { source: 'webhook', idempotencyKey: `push:${OA}:gh_oa|oUser1|1700000000|subscribe|` }, occurredAt: at },
    ]);
  });

  it('unsubscribe: follow.unsubscribed', () => {
    expect(pushToEvents(OA, event('unsubscribe'))).toEqual([
      { type: 'follow.unsubscribed', data: { appid: OA, openid: 'oUser1' }, meta: { source: 'webhook', idempotencyKey: `push:${OA}:gh_oa|oUser1|1700000000|unsubscribe` }, occurredAt: at },
    ]);
  });

  it('user_authorization_revoke: authorization.revoked of OpenID, with RevokeInfo when sent', () => {
    expect(pushToEvents(MP, authorization('user_authorization_revoke', { RevokeInfo: '1' }))).toEqual([
      {
        type: 'authorization.revoked',
        data: { appid: MP, openid: 'oUser1', revokeInfo: '1' },
        meta: { source: 'webhook', idempotencyKey: `push:${MP}:gh_mp|oPlatform|1700000000|user_authorization_revoke|oUser1|1` },
        occurredAt: at,
      },
    ]);
    expect(pushToEvents(MP, authorization('user_authorization_revoke'))).toEqual([
      {
        type: 'authorization.revoked',
        data: { appid: MP, openid: 'oUser1' },
        meta: { source: 'webhook', idempotencyKey: `push:${MP}:gh_mp|oPlatform|1700000000|user_authorization_revoke|oUser1|` },
        occurredAt: at,
      },
    ]);
  });

  it('user_authorization_cancellation: authorization.cancelled of OpenID', () => {
    expect(pushToEvents(MP, authorization('user_authorization_cancellation'))).toEqual([
      {
        type: 'authorization.cancelled',
        data: { appid: MP, openid: 'oUser1' },
        meta: { source: 'webhook', idempotencyKey: `push:${MP}:gh_mp|oPlatform|1700000000|user_authorization_cancellation|oUser1|` },
        occurredAt: at,
      },
    ]);
  });

  it('user_info_modified: profile.modified of OpenID', () => {
    expect(pushToEvents(MP, authorization('user_info_modified'))).toEqual([
      {
        type: 'profile.modified',
        data: { appid: MP, openid: 'oUser1' },
        meta: { source: 'webhook', idempotencyKey: `push:${MP}:gh_mp|oPlatform|1700000000|user_info_modified|oUser1|` },
        occurredAt: at,
      },
    ]);
  });

  it('a QR scan by a follower means nothing here', () => {
    expect(pushToEvents(OA, event('SCAN', { EventKey: '123123', Ticket: 'TICKET' }))).toEqual([]);
  });

  it('a message means nothing here', () => {
    const message = push({ ToUserName: 'gh_oa', FromUserName: 'oUser1', CreateTime: CREATE_TIME, MsgType: 'text', Content: 'hi', MsgId: '24591739587023457' });
    expect(message.kind).toBe('message');
    expect(pushToEvents(OA, message)).toEqual([]);
  });

  it('any other push (a menu click, an event type WeChat adds later) means nothing here', () => {
    const click = event('CLICK', { EventKey: 'MENU_1' });
    expect(click.kind).toBe('other');
    expect(pushToEvents(OA, click)).toEqual([]);
  });
});
