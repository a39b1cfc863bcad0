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
    const trail = await env.ledger.read({ appid: 'wxlate', openid: 'o-late' });
    expect(trail.map((e) => [e.type, e.erased ?? false])).toEqual([['follow.subscribed', true], ['identity.erased', false], ['follow.subscribed', false]]);
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
