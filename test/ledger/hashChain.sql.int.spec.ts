import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainLink, eventDigest, GENESIS_HASH } from '../../src/ledger/hashChain.ts';
import { canonicalJson } from '../../src/ledger/hashChain.ts';
import { openTestLedger, type TestLedger } from '../support/testDatabase.ts';
import { subscribed } from '../support/newEvents.ts';

/**
 * The link is computed by `ledger_append` in SQL and recomputed by `verify` in JavaScript
 * (src/ledger/hashChain.ts): both must be the same function, on PostgreSQL and on PGlite.
 */
describe.each(['postgres', 'pglite'] as const)('the chain as ledger_append writes it (%s)', (kind) => {
  let env: TestLedger;
  beforeAll(async () => {
    env = await openTestLedger(kind);
  });
  afterAll(async () => {
    await env.cleanup();
  });

  it('every stored row carries the digest of its content and the JavaScript link', async () => {
    await env.ledger.append([subscribed('wxchain', 'o-1'), subscribed('wxchain', 'o-2')]);
    await env.ledger.append([{ type: 'unionid.resolved', data: { appid: 'wxchain', openid: 'o-1', unionid: 'u-1', via: 'user_info' }, meta: { source: 'webhook', idempotencyKey: 'chain-u1' } }]);
    const rows = await env.storage.db.selectFrom('events').selectAll().orderBy('position').execute();
    expect(rows).toHaveLength(3);
    let prev = GENESIS_HASH;
    for (const row of rows) {
      const digest = eventDigest({
        id: row.id, type: row.type, stream: row.stream, appid: row.appid, subject: row.subject, subjectKey: row.subject_key,
        related: row.related, unionid: row.unionid, fingerprint: row.fingerprint, data: canonicalJson(row.data), meta: canonicalJson(row.meta),
        occurredAt: new Date(row.occurred_at).toISOString(), recordedAt: new Date(row.recorded_at).toISOString(),
      });
      expect(row.digest).toBe(digest);
      expect(row.prev_hash).toBe(prev);
      expect(row.hash).toBe(chainLink(prev, Number(row.position), row.stream_version, digest));
      prev = row.hash;
    }
  });

  it('the SQL link of the pinned vector is the pinned hash', async () => {
    const digest = 'e66ed5c5b4bc990d28c2e5c55a2b7e7eaa533dc5d31a9bf2f8f31d4c129a64d1';
    const { rows } = await sql<{ link: string }>`
      select encode(sha256(convert_to(${GENESIS_HASH} || ':' || 1::bigint::text || ':' || 1::int::text || ':' || ${digest}, 'UTF8')), 'hex') as link`.execute(env.storage.db);
    expect(rows[0]!.link).toBe('3149543ec580ec83865a8051f1d31ee25514c500607cf4d67d5d376434998a64');
  });

  it('stores no personal value in clear: openids and unionids are sealed, lookups are pseudonyms', async () => {
    const rows = await sql<{ row: string }>`select row_to_json(e)::text as row from events e`.execute(env.storage.db);
    for (const { row } of rows.rows) {
      expect(row).not.toContain('o-1');
      expect(row).not.toContain('o-2');
      expect(row).not.toContain('u-1');
      expect(row).not.toContain('chain-u1');
    }
    const read = await env.ledger.read({ appid: 'wxchain', openid: 'o-1' });
    expect(read.map((e) => e.type)).toEqual(['follow.subscribed', 'unionid.resolved']);
    expect((await env.ledger.read({ unionid: 'u-1' })).map((e) => (e.data as { openid: string }).openid)).toEqual(['o-1']);
  });
});
