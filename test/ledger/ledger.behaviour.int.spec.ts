import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestLedger, type TestLedger } from '../support/testDatabase.ts';
import type { Ledger } from '../../src/ledger/ledger.ts';
import { IdempotencyConflictError, InvalidEventError, WrongExpectedVersionError } from '../../src/ledger/ledgerErrors.ts';
import type { LedgerEvent } from '../../src/ledger/events.ts';
import { subscribed, unsubscribed } from '../support/newEvents.ts';
import { sql } from 'kysely';
import { followLedger } from '../support/followLedger.ts';
import { until } from '../support/until.ts';

// The pipelined group commit (the service's default on PostgreSQL) must behave exactly alike.
describe.each([
  ['postgres', false],
  ['postgres', true],
  ['pglite', false],
] as const)('ledger on %s (pipeline %s)', (kind, pipeline) => {
  let env: TestLedger;
  let ledger: Ledger;
  beforeAll(async () => {
    env = await openTestLedger(kind, { pipeline });
    ledger = env.ledger;
  });
  afterAll(async () => {
    await env.cleanup();
  });

  it('returns the original event for a repeated idempotency key and appends nothing', async () => {
    const first = await ledger.append([subscribed('wxidem', 'o1', 'msg-1')]);
    const head = await ledger.head();
    const again = await ledger.append([subscribed('wxidem', 'o1', 'msg-1')]);
    expect(again.duplicate).toBe(true);
    expect(again.events[0]).toEqual(first.events[0]);
    expect(await ledger.head()).toBe(head);
  });

  it('stores, returns and hashes an event without its undefined fields, and leaves the caller\'s object alone', async () => {
    const data = { appid: 'wxclean', openid: 'o-clean', scene: undefined, eventKey: 'qrscene_1' };
    const meta = { source: 'webhook' as const, idempotencyKey: 'clean-1', causationId: undefined };
    const { events } = await ledger.append([{ type: 'follow.subscribed', data, meta }]);
    expect(Object.keys(events[0]!.data)).toEqual(['appid', 'openid', 'eventKey']);
    expect(Object.keys(events[0]!.meta)).toEqual(['source', 'idempotencyKey']);
    expect(Object.keys(data)).toEqual(['appid', 'openid', 'scene', 'eventKey']);
    const [stored] = await ledger.read({ openid: 'o-clean' });
    expect(stored).toEqual(events[0]);
    // The same content with the field absent is the same event, not a conflict.
    const again = await ledger.append([{ type: 'follow.subscribed', data: { appid: 'wxclean', openid: 'o-clean', eventKey: 'qrscene_1' }, meta: { source: 'webhook', idempotencyKey: 'clean-1' } }]);
    expect(again).toMatchObject({ duplicate: true, events: [{ id: events[0]!.id }] });
    expect(await ledger.verify()).toMatchObject({ ok: true });
  });

  it('dedupes the same key sent concurrently (one group-commit batch)', async () => {
    const results = await Promise.all([1, 2, 3].map(() => ledger.append([subscribed('wxidem', 'o-retry', 'msg-retry')])));
    expect(new Set(results.map((r) => r.events[0]!.id)).size).toBe(1);
    expect((await ledger.read({ openid: 'o-retry' })).length).toBe(1);
  });

  it('refuses the same key with different content, and does not fail the others in its batch', async () => {
    await ledger.append([subscribed('wxidem', 'o2', 'msg-2')]);
    const [conflict, other] = await Promise.allSettled([
      ledger.append([subscribed('wxidem', 'o-other', 'msg-2')]),
      ledger.append([subscribed('wxidem', 'o3', 'msg-3')]),
    ]);
    expect(conflict.status).toBe('rejected');
    expect((conflict as PromiseRejectedResult).reason).toBeInstanceOf(IdempotencyConflictError);
    expect(other.status).toBe('fulfilled');
  });

  it('enforces an expected stream version', async () => {
    // A user's stream is named by the pseudonym of (appid, openid), never by the openid.
    const stream = `user-wxver-${(await ledger.privacy()).pseudonyms.subject('wxver', 'o1')}`;
    const first = await ledger.append([subscribed('wxver', 'o1', 'ver-1')], { expectedVersion: 0 });
    expect(first.events[0]).toMatchObject({ stream, streamVersion: 1 });
    await expect(ledger.append([unsubscribed('wxver', 'o1', 'ver-2')], { expectedVersion: 0 })).rejects.toBeInstanceOf(WrongExpectedVersionError);
    const second = await ledger.append([unsubscribed('wxver', 'o1', 'ver-3')], { expectedVersion: 1 });
    expect(second.events[0]!.streamVersion).toBe(2);
  });

  it('rejects an event that does not match its schema', async () => {
    await expect(
      ledger.append([{ type: 'follow.subscribed', data: { appid: 'wx' } as never, meta: { source: 'webhook', idempotencyKey: 'bad' } }]),
    ).rejects.toBeInstanceOf(InvalidEventError);
  });

  it('refuses U+0000 in event strings as invalid (PostgreSQL could not store it)', async () => {
    await expect(ledger.append([subscribed('wxnul', 'a\u0000b')])).rejects.toBeInstanceOf(InvalidEventError);
  });

  it('a request the database refuses fails alone, not the callers batched with it', async () => {
    // Valid for JavaScript, out of range for timestamptz: the INSERT of the whole batch fails.
    const poison = subscribed('wxpoison', 'o-poison', 'poison-1', '-271821-04-20T00:00:00.000Z');
    const results = await Promise.allSettled([
      ledger.append([subscribed('wxpoison', 'o-good-1')]),
      ledger.append([poison]),
      ledger.append([subscribed('wxpoison', 'o-good-2')]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(InvalidEventError);
    expect((await ledger.read({ appid: 'wxpoison' })).map((e) => (e.data as { openid: string }).openid)).toEqual(['o-good-1', 'o-good-2']);
  });

  it('refuses UPDATE, DELETE and TRUNCATE of events', async () => {
    await ledger.append([subscribed('wximm', 'o1')]);
    await expect(sql`update events set type = 'x' where position = 1`.execute(env.storage.db)).rejects.toThrow(/append-only/);
    await expect(sql`delete from events where position = 1`.execute(env.storage.db)).rejects.toThrow(/append-only/);
    await expect(sql`truncate events`.execute(env.storage.db)).rejects.toThrow(/append-only/);
  });

  it('reads by type, appid, openid and unionid in position order with a cursor', async () => {
    await ledger.append([
      { type: 'unionid.resolved', data: { appid: 'wxread', openid: 'or1', unionid: 'u-read', via: 'user_info' }, meta: { source: 'webhook', idempotencyKey: 'read-u1' } },
      subscribed('wxread', 'or1'),
      subscribed('wxread', 'or2'),
    ]);
    const byAppid = await ledger.read({ appid: 'wxread' });
    expect(byAppid.map((e) => (e.data as { openid?: string }).openid)).toEqual(['or1', 'or1', 'or2']);
    expect(byAppid.map((e) => e.position)).toEqual([...byAppid.map((e) => e.position)].sort((a, b) => a - b));
    expect((await ledger.read({ unionid: 'u-read' })).map((e) => e.type)).toEqual(['unionid.resolved']);
    expect((await ledger.read({ appid: 'wxread', type: 'follow.subscribed', after: byAppid[0]!.position })).length).toBe(2);
    const page = await ledger.read({ appid: 'wxread', limit: 1, after: byAppid[1]!.position });
    expect((page[0]!.data as { openid?: string }).openid).toBe('or2');
  });

  it('a reader racing with writers never skips an event', async () => {
    const start = await ledger.head();
    const seen: LedgerEvent[] = [];
    const total = 300;
    const subscription = followLedger(ledger, start, async (events) => {
      seen.push(...events);
    }, { safetyPollMs: 60_000 });
    const writers = Array.from({ length: total }, (_, i) => ledger.append([subscribed('wxrace', `o${i}`)]));
    await Promise.all(writers);
    await until(() => seen.length >= total, 5000, `${total} events`);
    await subscription.stop();
    expect(seen.map((e) => e.position)).toEqual(Array.from({ length: total }, (_, i) => start + i + 1));
  });

  it('a follower busy with a page gets every commit made meanwhile, without waiting for the safety poll', async () => {
    const start = await ledger.head();
    const seen: number[] = [];
    let writing = true;
    const subscription = followLedger(ledger, start, async (events) => {
      seen.push(...events.map((e) => e.position));
      // Busy with this page until a later commit has landed (or the writers are done).
      const last = events[events.length - 1]!.position;
      await until(async () => !writing || (await ledger.head()) > last, 5000, 'a commit while the follower is busy');
    }, { safetyPollMs: 60_000 });
    const total = 120;
    for (let round = 0; round < total / 6; round++) {
      await Promise.all(Array.from({ length: 6 }, (_, i) => ledger.append([subscribed('wxbusy', `o${round}-${i}`)])));
      // Deliberate spacing, not a wait: rounds 0, 1 or 2 ms apart, so commits fall at different points of the follower's work.
      await new Promise((r) => setTimeout(r, round % 3));
    }
    writing = false;
    // The safety poll is 60 s here: only wake-ups can deliver everything within the 5 s.
    await until(() => seen.length >= total, 5000, `${total} events`);
    await subscription.stop();
    expect(seen).toEqual(Array.from({ length: total }, (_, i) => start + i + 1));
  });

  it('verify() finds a tampered row at the right position', async () => {
    expect(await ledger.verify()).toMatchObject({ ok: true });
    const target = (await ledger.read({ appid: 'wxrace', limit: 1, after: 10 }))[0]!;
    // As superuser, the test switches the immutability trigger off — what an attacker with
    // database access could do; verify must still catch it.
    await sql`alter table events disable trigger user`.execute(env.storage.db);
    await sql`update events set data = jsonb_set(data, '{sealed}', '"forged"') where position = ${target.position}`.execute(env.storage.db);
    await sql`alter table events enable trigger user`.execute(env.storage.db);
    const result = await ledger.verify();
    expect(result).toMatchObject({ ok: false, brokenAt: target.position });
  });
});
