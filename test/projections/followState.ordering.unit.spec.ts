import { describe, expect, it } from 'vitest';
import { evolve, foldAll, keyOf } from '../../projections/followState/evolve.ts';
import { at, eventBuilder, MP, OA, redelivered } from './eventBuilder.ts';

const key = keyOf(OA, 'o1');
const user = { appid: OA, openid: 'o1' };

describe('follow state decides by event time, not arrival', () => {
  it('a late retry of an old subscribe does not undo a newer unsubscribe', () => {
    const event = eventBuilder();
    const rows = foldAll([
      event('follow.unsubscribed', user, { at: at(10) }),
      event('follow.subscribed', user, { at: at(5) }),
    ]);
    expect(rows.get(key)).toMatchObject({ subscribed: false, unsubscribedAt: at(10), decidedAt: at(10) });
  });

  it('a late old unsubscribe does not undo a newer subscribe, but is recorded as the latest unsubscribe', () => {
    const event = eventBuilder();
    const rows = foldAll([
      event('follow.subscribed', user, { at: at(5) }),
      event('follow.unsubscribed', user, { at: at(1) }),
    ]);
    expect(rows.get(key)).toMatchObject({
      subscribed: true, subscribedAt: at(5), unsubscribedAt: at(1), decidedAt: at(5), decidedPosition: 1,
    });
  });

  it('gives the same row whichever of subscribe, unsubscribe, subscribe arrives first', () => {
    const event = eventBuilder();
    const sub1 = event('follow.subscribed', { ...user, scene: 'first' }, { at: at(1) });
    const unsub = event('follow.unsubscribed', user, { at: at(2) });
    const sub3 = event('follow.subscribed', { ...user, scene: 'again' }, { at: at(3) });
    const inOrder = foldAll([sub1, unsub, sub3]).get(key);
    expect(inOrder).toMatchObject({
      subscribed: true, subscribedAt: at(3), unsubscribedAt: at(2), scene: 'again', decidedPosition: 3,
    });
    expect(foldAll([sub3, unsub, sub1]).get(key)).toEqual(inOrder);
    expect(foldAll([unsub, sub3, sub1]).get(key)).toEqual(inOrder);
  });

  it('breaks a tie in the same second by ledger position', () => {
    const event = eventBuilder();
    const sub = event('follow.subscribed', user, { at: at(1) });
    const unsub = event('follow.unsubscribed', user, { at: at(1) });
    expect(foldAll([sub, unsub]).get(key)?.subscribed).toBe(false);
    expect(foldAll([unsub, sub]).get(key)?.subscribed).toBe(false);
  });

  it('compares instants, not strings: the same moment in another offset is not "later"', () => {
    const event = eventBuilder();
    const rows = foldAll([
      event('follow.subscribed', user, { at: '2024-01-01T08:10:00+08:00' }), // 00:10Z
      event('follow.unsubscribed', user, { at: at(5) }),
    ]);
    expect(rows.get(key)?.subscribed).toBe(true);
  });

  it('records an unsubscribe of a user it never saw subscribe, so a late old subscribe is ignored', () => {
    const event = eventBuilder();
    const rows = foldAll([event('follow.unsubscribed', user, { at: at(9) })]);
    expect(rows.get(key)).toEqual({
      appid: OA, openid: 'o1', subscribed: false, subscribedAt: null, unsubscribedAt: at(9), scene: null,
      source: 'webhook', decidedAt: at(9), decidedPosition: 1, subscribedPosition: null,
    });
    expect(evolve(rows, event('follow.subscribed', user, { at: at(2) }))).toEqual([key]);
    expect(rows.get(key)).toMatchObject({ subscribed: false, subscribedAt: at(2) });
  });

  it('a WeChat retry appended twice changes nothing and reports no changed key', () => {
    const event = eventBuilder();
    const sub = event('follow.subscribed', { ...user, eventKey: 'qrscene_42' }, { at: at(1) });
    const rows = foldAll([sub]);
    const before = rows.get(key);
    expect(evolve(rows, sub)).toEqual([]);
    expect(rows.get(key)).toBe(before);
    evolve(rows, redelivered(sub, 7));
    expect(rows.get(key)).toMatchObject({ subscribed: true, subscribedAt: at(1), scene: 'qrscene_42' });
  });

  it('takes the scene from the push, else keeps the EventKey verbatim', () => {
    const event = eventBuilder();
    const withScene = foldAll([event('follow.subscribed', { ...user, scene: '42', eventKey: 'qrscene_42' })]);
    const withKey = foldAll([event('follow.subscribed', { ...user, eventKey: 'qrscene_42' })]);
    const plain = foldAll([event('follow.subscribed', user)]);
    expect(withScene.get(key)?.scene).toBe('42');
    expect(withKey.get(key)?.scene).toBe('qrscene_42');
    expect(plain.get(key)?.scene).toBeNull();
  });

  it('keeps the scene of the latest subscribe even while unsubscribed', () => {
    const event = eventBuilder();
    const rows = foldAll([
      event('follow.subscribed', { ...user, scene: 'poster' }, { at: at(1) }),
      event('follow.unsubscribed', user, { at: at(2) }),
    ]);
    expect(rows.get(key)).toMatchObject({ subscribed: false, scene: 'poster', subscribedAt: at(1) });
  });

  it('takes the source of the deciding fact', () => {
    const event = eventBuilder();
    const rows = foldAll([
      event('follow.subscribed', user, { at: at(1), source: 'webhook' }),
      event('follow.unsubscribed', user, { at: at(3), source: 'reconciliation' }),
    ]);
    expect(rows.get(key)?.source).toBe('reconciliation');
  });

  it('ignores MP consent, logins and reconciliation summaries', () => {
    const event = eventBuilder();
    const rows = foldAll([event('follow.subscribed', user, { at: at(1) })]);
    const before = rows.get(key);
    expect(evolve(rows, event('authorization.revoked', { appid: MP, openid: 'm1' }, { at: at(2) }))).toEqual([]);
    expect(evolve(rows, event('login.recorded', { appid: MP, openid: 'm1', unionid: 'u1' }))).toEqual([]);
    expect(
      evolve(rows, event('reconciliation.completed', { appid: OA, followers: 0, added: 0, removed: 1, startedAt: at(3) })),
    ).toEqual([]);
    expect(rows.size).toBe(1);
    expect(rows.get(key)).toBe(before);
  });
});
