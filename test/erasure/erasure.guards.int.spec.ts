import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyBatch } from '../../projections/applyBatch.ts';
import { followState } from '../../projections/followState/index.ts';
import { followStateTable } from '../../projections/followState/followStateTable.ts';
import { readProjectionEvents } from '../../projections/readProjectionEvents.ts';
import { ProjectionVersions } from '../../projections/store/projectionVersions.ts';
import { eraseIdentities } from '../../src/erasure/eraseIdentities.ts';
import { createLedger } from '../../src/ledger/ledger.ts';
import { MasterKeyError } from '../../src/ledger/keys/masterKeys.ts';
import { createKeyring } from '../../src/ledger/keys/masterKeys.ts';
import { rewrapKeys } from '../../src/ledger/keys/rewrapKeys.ts';
import { openTestLedger, type TestLedger } from '../support/testDatabase.ts';
import { subscribed } from '../support/newEvents.ts';
import { configuredAccounts as ctx } from '../projections/context.ts';
import { createProjectionRunner } from '../../projections/projectionRunner.ts';
import { getUser } from '../../projections/query/getUser.ts';
import { verifyProjections } from '../../projections/verifyProjections.ts';

const KEY_A = Buffer.alloc(32, 'a');
const KEY_B = Buffer.alloc(32, 'b');

describe.each(['postgres', 'pglite'] as const)('erasure guards (%s)', (kind) => {
  let env: TestLedger;
  beforeAll(async () => {
    env = await openTestLedger(kind, { masterKeys: [KEY_A] });
  });
  afterAll(async () => {
    await env.cleanup();
  });

  it('a projection batch folded from a page read before an erasure writes nothing; read again, it folds the redacted events to nothing', async () => {
    const version = await ProjectionVersions.createActive(env.storage.db, 'follow-state', followState.codeVersion);
    await env.ledger.append([subscribed('wxguard', 'o-kept'), subscribed('wxguard', 'o-gone')]);
    const page = await readProjectionEvents(env.ledger, 0, 100);
    expect(page.map((e) => (e.data as { openid: string }).openid)).toEqual(['o-kept', 'o-gone']);

    await eraseIdentities(env.ledger, { appid: 'wxguard', openid: 'o-gone' }, { reason: 'request' });
    const stale = await applyBatch(env.storage.db, followState, followStateTable, version, page, ctx);
    expect(stale).toEqual({ ok: false, reason: 'checkpoint_moved' });
    expect(await followStateTable.readAll(env.storage.db, version.table)).toEqual([]);

    const fresh = await readProjectionEvents(env.ledger, 0, 100);
    expect(fresh.map((e) => [e.type, e.erased ?? false])).toEqual([['follow.subscribed', false], ['follow.subscribed', true], ['identity.erased', false]]);
    expect(await applyBatch(env.storage.db, followState, followStateTable, version, fresh, ctx)).toMatchObject({ ok: true, changed: 1 });
    expect((await followStateTable.readAll(env.storage.db, version.table)).map((row) => row.openid)).toEqual(['o-kept']);
  });

  it('after an erasure, a later fact that starts nothing is dropped; a later start is a new subject with a new key', async () => {
    await env.ledger.append([subscribed('wxlate', 'o-late')]);
    const erasure = await eraseIdentities(env.ledger, { appid: 'wxlate', openid: 'o-late' }, { reason: 'request' });
    const later = new Date(Date.parse(erasure!.erasedAt) + 1000).toISOString();
    const resolved = await env.ledger.append([{ type: 'unionid.resolved', data: { appid: 'wxlate', openid: 'o-late', unionid: 'u-late', via: 'batchget' }, meta: { source: 'backfill', idempotencyKey: 'late-u' }, occurredAt: later }]);
    expect(resolved).toMatchObject({ events: [], skipped: 1, duplicate: false });
    const older = await env.ledger.append([subscribed('wxlate', 'o-late', 'late-old-subscribe', new Date(Date.parse(erasure!.erasedAt) - 1000).toISOString())]);
    expect(older).toMatchObject({ events: [], skipped: 1 });
    const again = await env.ledger.append([subscribed('wxlate', 'o-late', 'late-new-subscribe', later)]);
    expect(again.events).toHaveLength(1);
    const keys = await sql<{ n: number }>`select count(*)::int as n from subject_keys where subject = ${(await env.ledger.privacy()).pseudonyms.subject('wxlate', 'o-late')}`.execute(env.storage.db);
    expect(keys.rows[0]!.n).toBe(1);
    // The stream (same pseudonym) holds both subjects; looked up by openid, only the new one.
    const trail = await env.ledger.read({ appid: 'wxlate' });
    expect(trail.map((e) => [e.type, e.erased ?? false])).toEqual([['follow.subscribed', true], ['identity.erased', false], ['follow.subscribed', false]]);
    expect((await env.ledger.read({ appid: 'wxlate', openid: 'o-late' })).map((e) => e.id)).toEqual([again.events[0]!.id]);
  });

  it('a new start after an erasure keeps the facts that come with it in the same request', async () => {
    await env.ledger.append([subscribed('wxsame', 'o-same')]);
    const erasure = await eraseIdentities(env.ledger, { appid: 'wxsame', openid: 'o-same' }, { reason: 'request' });
    const later = new Date(Date.parse(erasure!.erasedAt) + 1000).toISOString();
    const again = await env.ledger.append([
      { type: 'login.recorded', data: { appid: 'wxsame', openid: 'o-same', unionid: 'u-same' }, meta: { source: 'login', idempotencyKey: 'same-login' }, occurredAt: later },
      { type: 'unionid.resolved', data: { appid: 'wxsame', openid: 'o-same', unionid: 'u-same', via: 'code2session' }, meta: { source: 'login', idempotencyKey: 'same-resolved' }, occurredAt: later },
    ]);
    expect(again).toMatchObject({ skipped: 0 });
    expect(again.events.map((e) => e.type)).toEqual(['login.recorded', 'unionid.resolved']);
  });

  it('after a unionid erasure, a fact from before it naming that unionid is dropped under any identity', async () => {
    await env.ledger.append([{ type: 'login.recorded', data: { appid: 'wxu', openid: 'o-known', unionid: 'u-gone' }, meta: { source: 'login', idempotencyKey: 'u-known' } }]);
    const erasure = await eraseIdentities(env.ledger, { unionid: 'u-gone' }, { reason: 'request' });
    const yesterday = new Date(Date.parse(erasure!.erasedAt) - 86_400_000).toISOString();
    const late = await env.ledger.append([
      { type: 'login.recorded', data: { appid: 'wxu', openid: 'o-unknown', unionid: 'u-gone' }, meta: { source: 'api', idempotencyKey: 'u-late' }, occurredAt: yesterday },
    ]);
    expect(late).toMatchObject({ events: [], skipped: 1 });
    const fresh = await env.ledger.append([
      { type: 'login.recorded', data: { appid: 'wxu', openid: 'o-unknown', unionid: 'u-gone' }, meta: { source: 'login', idempotencyKey: 'u-fresh' }, occurredAt: new Date(Date.parse(erasure!.erasedAt) + 1000).toISOString() },
    ]);
    expect(fresh.events).toHaveLength(1);
  });

  it('the register forgets erased pseudonyms after its retention', async () => {
    await env.ledger.append([subscribed('wxold', 'o-old', 'old-1', '2020-01-01T00:00:00.000Z')]);
    await eraseIdentities(env.ledger, { appid: 'wxold', openid: 'o-old' }, { reason: 'request', erasedAt: new Date(Date.now() - 40 * 86_400_000), registerRetentionDays: 30 });
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from erasure_register where appid = 'wxold'`.execute(env.storage.db);
    expect(rows[0]!.n).toBe(0);
    // Unremembered, a fact from before the erasure is accepted again (documented limit of the retention).
    expect((await env.ledger.append([subscribed('wxold', 'o-old', 'old-2', '2021-01-01T00:00:00.000Z')])).events).toHaveLength(1);
  });

  it('a master-key rotation: the previous key still opens, rewrap-keys moves every key to the new one, then the old key alone no longer opens', async () => {
    await env.ledger.append([subscribed('wxrot', 'o-rot')]);
    const rotated = createLedger(env.storage, { masterKeys: [KEY_B, KEY_A] });
    expect((await rotated.read({ appid: 'wxrot', openid: 'o-rot' }))[0]!.data).toMatchObject({ openid: 'o-rot' });
    const done = await rewrapKeys(env.storage.db, createKeyring(KEY_B, [KEY_A]), { batchSize: 2 });
    expect(done.secrets).toBe(1);
    expect(done.subjectKeys).toBeGreaterThan(2);
    for (const table of ['ledger_secrets', 'subject_keys']) {
      const left = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)} where kid <> ${createKeyring(KEY_B).kid}`.execute(env.storage.db);
      expect(left.rows[0]!.n).toBe(0);
    }
    const onlyNew = createLedger(env.storage, { masterKeys: [KEY_B] });
    expect((await onlyNew.read({ appid: 'wxrot', openid: 'o-rot' }))[0]!.data).toMatchObject({ openid: 'o-rot' });
    expect((await onlyNew.append([subscribed('wxrot', 'o-rot-2')])).events).toHaveLength(1);
    const onlyOld = createLedger(env.storage, { masterKeys: [KEY_A] });
    await expect(onlyOld.privacy()).rejects.toBeInstanceOf(MasterKeyError);
    await Promise.all([rotated.close(), onlyNew.close(), onlyOld.close()]);
  });
});

describe.each(['postgres', 'pglite'] as const)('erasure across an openid conversion (%s)', (kind) => {
  let env: TestLedger;
  beforeAll(async () => {
    env = await openTestLedger(kind);
  });
  afterAll(async () => {
    await env.cleanup();
  });

  it('erasing either side of an openid conversion forgets both, the new side too when it has no events of its own', async () => {
    const runner = createProjectionRunner({ ledger: env.ledger, ctx }).start();
    try {
      await env.ledger.append([subscribed('wxold', 'o-before', 'conv-1', '2024-01-01T00:00:00.000Z')]);
      await env.ledger.append([
        { type: 'openid.converted', data: { fromAppid: 'wxold', fromOpenid: 'o-before', toAppid: 'wxnew', toOpenid: 'o-after' }, meta: { source: 'conversion', idempotencyKey: 'conv-2' } },
      ]);
      await runner.waitFor(await env.ledger.head(), 30_000);
      expect(await getUser(env.storage.db, 'wxnew', 'o-after')).toMatchObject({ convertedFrom: { appid: 'wxold', openid: 'o-before' } });

      const erasure = await eraseIdentities(env.ledger, { appid: 'wxold', openid: 'o-before' }, { reason: 'request' });
      expect(erasure).toMatchObject({ identities: 2 });
      await runner.waitFor(await env.ledger.head(), 30_000);
      expect(await getUser(env.storage.db, 'wxold', 'o-before')).toBeNull();
      expect(await getUser(env.storage.db, 'wxnew', 'o-after')).toBeNull();
      const announced = (await env.ledger.read({ type: 'identity.erased' })).map((e) => e.data as { erasureId: string; appid: string }).filter((d) => d.erasureId === erasure!.id).map((d) => d.appid);
      expect(announced.sort()).toEqual(['wxnew', 'wxold']);
      const dumped = await sql<{ row: string }>`
        select row_to_json(t)::text as row from (select * from proj_identity_links_v1 union all select * from proj_identity_links_v1 where false) t`.execute(env.storage.db);
      expect(dumped.rows.map((r) => r.row).join('\n')).not.toMatch(/o-before|o-after/);
      expect((await verifyProjections(env.ledger, ctx)).every((v) => v.ok)).toBe(true);
    } finally {
      await runner.stop();
    }
  });
});
