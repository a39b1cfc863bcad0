import { describe, expect, it } from 'vitest';
import type { NewEvent } from '../../src/ledger/events.ts';
import { canonicalJson, eventDigest } from '../../src/ledger/hashChain.ts';
import { createKeyring, DEVELOPMENT_MASTER_KEY } from '../../src/ledger/keys/masterKeys.ts';
import { createPseudonyms } from '../../src/ledger/keys/pseudonyms.ts';
import { unseal } from '../../src/ledger/keys/sealing.ts';
import { createSubjectKeys } from '../../src/ledger/keys/subjectKeys.ts';
import { InvalidEventError } from '../../src/ledger/ledgerErrors.ts';
import { prepareEvent, type PrepareContext, type PreparedEvent } from '../../src/ledger/prepareEvent.ts';

const RECORDED_AT = '2024-05-01T08:00:00.000Z';

function context(overrides: Partial<PrepareContext> = {}) {
  const keyring = createKeyring(DEVELOPMENT_MASTER_KEY);
  const subjectKeys = createSubjectKeys(keyring);
  let n = 0;
  const ctx: PrepareContext = {
    pseudonyms: createPseudonyms(Buffer.alloc(32, 7)),
    subjectKeys,
    sealing: true,
    newId: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
    ...overrides,
  };
  return { ctx, keyring, subjectKeys };
}

const subscribed: NewEvent = {
  type: 'follow.subscribed',
  data: { appid: 'wxoa', openid: 'oPerson1', scene: 'poster-7', eventKey: 'qrscene_poster-7' },
  meta: { source: 'webhook', idempotencyKey: 'push:wxoa:gh_oa|oPerson1|1700000000|subscribe|qrscene_poster-7' },
  occurredAt: new Date(1700000000_000),
};

/** The key a stored event was sealed under, as the appender holds it. */
const keyOf = (subjectKeys: ReturnType<typeof createSubjectKeys>, prepared: PreparedEvent) => subjectKeys.forAppend(prepared.subject!).key;

describe('prepareEvent: an event in the form the ledger stores it', () => {
  it('takes its id from newId and its recording time from the caller', () => {
    const { ctx } = context();
    const first = prepareEvent(subscribed, ctx, RECORDED_AT);
    const second = prepareEvent({ ...subscribed, occurredAt: undefined }, ctx, RECORDED_AT);
    expect([first.id, second.id]).toEqual(['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002']);
    expect(first).toMatchObject({ recordedAt: RECORDED_AT, occurredAt: '2023-11-14T22:13:20.000Z' });
    // Without an event time, the fact happened when it was recorded.
    expect(second.occurredAt).toBe(RECORDED_AT);
  });

  it('seals the personal fields: storedData and storedMeta hold none of them, only the sealed form opens to them', () => {
    const { ctx, subjectKeys } = context();
    const prepared = prepareEvent(subscribed, ctx, RECORDED_AT);
    const stored = JSON.parse(prepared.storedData) as Record<string, unknown>;
    expect(Object.keys(stored).sort()).toEqual(['appid', 'sealed']);
    expect(stored.appid).toBe('wxoa');
    for (const personal of ['oPerson1', 'poster-7', 'qrscene_poster-7']) {
      expect(prepared.storedData).not.toContain(personal);
      expect(prepared.storedMeta).not.toContain(personal);
    }
    // Sealed under the subject's key, bound to this event's id.
    const opened = unseal(keyOf(subjectKeys, prepared), prepared.id, String(stored.sealed));
    expect(JSON.parse(opened)).toEqual({ openid: 'oPerson1', scene: 'poster-7', eventKey: 'qrscene_poster-7' });
    expect(() => unseal(keyOf(subjectKeys, prepared), 'another-event-id', String(stored.sealed))).toThrow();
    // The caller gets the plaintext back.
    expect(prepared.data).toEqual(subscribed.data);
  });

  it('stores the idempotency key and the content only as keyed digests', () => {
    const { ctx } = context();
    const prepared = prepareEvent(subscribed, ctx, RECORDED_AT);
    expect(prepared.idempotencyKey).toBe(ctx.pseudonyms.idempotencyKey(subscribed.meta.idempotencyKey));
    expect(JSON.parse(prepared.storedMeta)).toEqual({ source: 'webhook', idempotencyKey: prepared.idempotencyKey });
    expect(prepared.meta).toEqual({ source: 'webhook', idempotencyKey: prepared.idempotencyKey });
    expect(prepared.fingerprint).toBe(ctx.pseudonyms.fingerprint('follow.subscribed', canonicalJson(subscribed.data)));
  });

  it('names people by pseudonym: the subject, the unionid, the new side of a conversion', () => {
    const { ctx } = context();
    const login = prepareEvent(
      { type: 'login.recorded', data: { appid: 'wxmp', openid: 'oMp1', unionid: 'uPerson1' }, meta: { source: 'login', idempotencyKey: 'login:wxmp:c1' } },
      ctx,
      RECORDED_AT,
    );
    expect(login).toMatchObject({ appid: 'wxmp', subject: ctx.pseudonyms.subject('wxmp', 'oMp1'), unionid: ctx.pseudonyms.unionid('uPerson1'), related: null });
    expect(login.storedData).not.toContain('uPerson1');

    const converted = prepareEvent(
      { type: 'openid.converted', data: { fromAppid: 'wxold', fromOpenid: 'oOld', toAppid: 'wxnew', toOpenid: 'oNew' }, meta: { source: 'conversion', idempotencyKey: 'job:j:conversion:oOld' } },
      ctx,
      RECORDED_AT,
    );
    expect(converted).toMatchObject({
      appid: 'wxold',
      subject: ctx.pseudonyms.subject('wxold', 'oOld'),
      related: ctx.pseudonyms.subject('wxnew', 'oNew'),
      unionid: null,
    });
    expect(Object.keys(JSON.parse(converted.storedData)).sort()).toEqual(['fromAppid', 'sealed', 'toAppid']);
  });

  it("streams: the subject's user stream, the account stream for events about no one, or the one given", () => {
    const { ctx } = context();
    const user = prepareEvent(subscribed, ctx, RECORDED_AT);
    expect(user.stream).toBe(`user-wxoa-${ctx.pseudonyms.subject('wxoa', 'oPerson1')}`);
    const completed = prepareEvent(
      {
        type: 'reconciliation.completed',
        data: { appid: 'wxoa', followers: 3, added: 1, removed: 0, startedAt: RECORDED_AT },
        meta: { source: 'reconciliation', idempotencyKey: 'job:j:completed' },
      },
      ctx,
      RECORDED_AT,
    );
    expect(completed).toMatchObject({ stream: 'account-wxoa', subject: null, subjectKey: null, keyKid: null, keyWrapped: null, unionid: null });
    // Nothing personal: stored as it is.
    expect(JSON.parse(completed.storedData)).toEqual(completed.data);
    expect(prepareEvent({ ...subscribed, stream: 'custom-stream' }, ctx, RECORDED_AT).stream).toBe('custom-stream');
    // An erasure is about the erased subject (its pseudonym is in the data), in that subject's stream, and seals nothing.
    const erased = prepareEvent(
      {
        type: 'identity.erased',
        data: { appid: 'wxoa', subject: 'pseudonym-1', scope: 'account', reason: 'request', erasureId: '7d1e0c5a-1b2c-4d3e-8f90-a1b2c3d4e5f6', events: 2 },
        meta: { source: 'api', idempotencyKey: 'erasure:7d1e0c5a-1b2c-4d3e-8f90-a1b2c3d4e5f6:pseudonym-1' },
      },
      ctx,
      RECORDED_AT,
    );
    expect(erased).toMatchObject({ subject: 'pseudonym-1', stream: 'user-wxoa-pseudonym-1', subjectKey: null });
  });

  it('the digest is hashChain.eventDigest of the stored body', () => {
    const { ctx } = context();
    const p = prepareEvent(subscribed, ctx, RECORDED_AT);
    expect(p.digest).toBe(
      eventDigest({
        id: p.id,
        type: p.type,
        stream: p.stream,
        appid: p.appid,
        subject: p.subject,
        subjectKey: p.subjectKey,
        related: p.related,
        unionid: p.unionid,
        fingerprint: p.fingerprint,
        data: p.storedData,
        meta: p.storedMeta,
        occurredAt: p.occurredAt,
        recordedAt: p.recordedAt,
      }),
    );
  });

  it("carries a new subject key's wrapped form only until the append confirmed it", () => {
    const { ctx, keyring, subjectKeys } = context();
    const first = prepareEvent(subscribed, ctx, RECORDED_AT);
    expect(first.subjectKey).not.toBeNull();
    expect(first.keyKid).toBe(keyring.kid);
    expect(first.keyWrapped).toBeInstanceOf(Buffer);
    // The wrapped key opens to the key the event is sealed under.
    expect(keyring.unwrapSubjectKey(first.keyKid!, first.subjectKey!, first.keyWrapped!)).toEqual(keyOf(subjectKeys, first));
    // Not confirmed yet (e.g. the same batch): the next event of the subject still carries it.
    const second = prepareEvent({ ...subscribed, meta: { ...subscribed.meta, idempotencyKey: 'other' } }, ctx, RECORDED_AT);
    expect(second).toMatchObject({ subjectKey: first.subjectKey, keyKid: keyring.kid });
    expect(second.keyWrapped).toEqual(first.keyWrapped);
    subjectKeys.confirmed(first.subject!, first.subjectKey!);
    const third = prepareEvent({ ...subscribed, meta: { ...subscribed.meta, idempotencyKey: 'third' } }, ctx, RECORDED_AT);
    expect(third).toMatchObject({ subjectKey: first.subjectKey, keyKid: null, keyWrapped: null });
  });

  it('marks the events that may start a subject', () => {
    const { ctx } = context();
    expect(prepareEvent(subscribed, ctx, RECORDED_AT).starter).toBe(true);
    expect(prepareEvent({ type: 'follow.unsubscribed', data: { appid: 'wxoa', openid: 'oPerson1' }, meta: { source: 'webhook', idempotencyKey: 'u' } }, ctx, RECORDED_AT).starter).toBe(false);
  });

  it('without sealing (the benchmark of its cost) the personal fields stay clear and no key is used', () => {
    const { ctx } = context({ sealing: false });
    const prepared = prepareEvent(subscribed, ctx, RECORDED_AT);
    expect(JSON.parse(prepared.storedData)).toEqual(subscribed.data);
    expect(prepared).toMatchObject({ subjectKey: null, keyKid: null, keyWrapped: null, subject: ctx.pseudonyms.subject('wxoa', 'oPerson1') });
  });

  it('refuses content without a canonical form or a time that is not one', () => {
    const { ctx } = context();
    expect(() => prepareEvent({ ...subscribed, data: { appid: 'wxoa', openid: 'o\uD800' } }, ctx, RECORDED_AT)).toThrow(InvalidEventError);
    expect(() => prepareEvent({ ...subscribed, occurredAt: 'not a time' }, ctx, RECORDED_AT)).toThrow(InvalidEventError);
  });
});
