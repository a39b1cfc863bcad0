import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, Db } from '../../src/ledger/database.ts';
import { LedgerUnavailableError } from '../../src/ledger/ledgerErrors.ts';
import { createCallbackNonces, keyedContentDigest, nonceExpiry, nonceKey, type NonceClaim } from '../../src/wechat/callbackNonces.ts';
import { SignatureError } from '../../src/wechat/errors.ts';
import { computeSignature } from '../../src/wechat/signature.ts';
import { openTestStorage } from '../support/testDatabase.ts';
import { until } from '../support/until.ts';

const contentDigest = keyedContentDigest(Buffer.alloc(32, 9));
let serial = 0;
/** A claim as the route makes it: signed (the memory is keyed on the signature) unless `extra` says otherwise. */
const claimOf = (content: string, extra: Partial<NonceClaim> = {}): NonceClaim => {
  const timestamp = extra.timestamp ?? String(Math.floor(Date.now() / 1000));
  // Multiples of ten: a test's `${nonce}1` (another URL) is never one of these.
  const nonce = extra.nonce ?? String(++serial * 10);
  return { appid: 'wxnonce', timestamp, nonce, signature: computeSignature('noncetoken', timestamp, nonce), content, ...extra };
};
const refusal = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    return error instanceof SignatureError ? error.code : (error as Error).name;
  }
  return 'accepted';
};
const rows = async (db: Db) => Number((await sql<{ n: number }>`select count(*)::int as n from callback_nonces`.execute(db)).rows[0]!.n);

describe.each(['postgres', 'pglite'] as const)('callback nonces on %s', (kind) => {
  let env: Awaited<ReturnType<typeof openTestStorage>>;
  beforeAll(async () => {
    env = await openTestStorage(kind);
  });
  afterAll(async () => {
    await env?.cleanup();
  });

  it('lets the same URL through with the same document (a retry) and refuses it with another (403 replayed_nonce)', async () => {
    const nonces = createCallbackNonces(env.storage.db, { toleranceSeconds: 300, contentDigest });
    const first = claimOf('<xml>subscribe</xml>');
    await nonces.claim(first);
    await nonces.claim(first);
    await nonces.claim({ ...first, signature: first.signature.toUpperCase() });
    expect(await refusal(nonces.claim({ ...first, content: '<xml>unsubscribe, CreateTime 9999</xml>' }))).toBe('replayed_nonce');
    expect(await refusal(nonces.claim({ ...first, signature: first.signature.toUpperCase(), content: '<xml>forged</xml>' }))).toBe('replayed_nonce');
    // Another split of the same signed string (here: timestamp and nonce swapped) is the same URL.
    expect(await refusal(nonces.claim({ ...first, timestamp: first.nonce, nonce: first.timestamp, content: '<xml>forged</xml>' }))).toBe('replayed_nonce');
    // Another nonce or timestamp is another signed URL.
    await nonces.claim(claimOf('<xml>other</xml>', { timestamp: first.timestamp, nonce: `${first.nonce}1` }));
    // Another app is not: the URL is spent, whichever account it is posted to, even with the same bytes.
    expect(await refusal(nonces.claim({ ...first, appid: 'wxother' }))).toBe('replayed_nonce');
  });

  it('answers claims made in one turn (one statement) as it would answer them one after another: the first document of a URL wins', async () => {
    const nonces = createCallbackNonces(env.storage.db, { toleranceSeconds: 300, contentDigest });
    const seen = claimOf('<xml>seen before</xml>');
    await nonces.claim(seen);
    const a = claimOf('<xml>a</xml>');
    const b = claimOf('<xml>b</xml>');
    const later = String(Number(a.timestamp) + 100);
    // All in one turn: each promise is made before any statement goes out.
    const outcomes = await Promise.all([
      refusal(nonces.claim(a)),
      refusal(nonces.claim({ ...a, content: '<xml>forged after a</xml>' })),
      refusal(nonces.claim(a)), // WeChat's retry in the same turn
      refusal(nonces.claim({ ...b, content: '<xml>forged before b</xml>' })),
      refusal(nonces.claim(b)),
      refusal(nonces.claim({ ...seen, content: '<xml>forged after seen</xml>' })),
      refusal(nonces.claim(seen)),
      // Another split of a's signed string, with a later timestamp: the same URL, remembered longer.
      refusal(nonces.claim({ ...a, timestamp: later, nonce: a.nonce })),
    ]);
    expect(outcomes).toEqual(['accepted', 'replayed_nonce', 'accepted', 'accepted', 'replayed_nonce', 'replayed_nonce', 'accepted', 'accepted']);
    // What the batch stored is what the first claims of each URL carried.
    expect(await refusal(nonces.claim(a))).toBe('accepted');
    expect(await refusal(nonces.claim({ ...b, content: '<xml>forged before b</xml>' }))).toBe('accepted');
    expect(await refusal(nonces.claim(b))).toBe('replayed_nonce');
    const expiry = await sql<{ at: Date }>`select expires_at as at from callback_nonces where key = ${nonceKey(a)}`.execute(env.storage.db);
    expect(expiry.rows[0]!.at.getTime()).toBe(nonceExpiry(later, 300, Date.now()).getTime());
  });

  it('answers every claim of a burst larger than one statement carries, each with its own URL', async () => {
    const nonces = createCallbackNonces(env.storage.db, { toleranceSeconds: 300, contentDigest });
    const urls = Array.from({ length: 40 }, (_, i) => claimOf(`<xml>burst ${i}</xml>`));
    expect(await Promise.all(urls.map((url) => refusal(nonces.claim(url))))).toEqual(urls.map(() => 'accepted'));
    const forged = await Promise.all(urls.map((url, i) => refusal(nonces.claim(i % 2 === 0 ? url : { ...url, content: '<xml>forged</xml>' }))));
    expect(forged).toEqual(urls.map((_, i) => (i % 2 === 0 ? 'accepted' : 'replayed_nonce')));
  });

  it('deletes expired rows in a sweep that a claim starts, beside it', async () => {
    const nonces = createCallbackNonces(env.storage.db, { toleranceSeconds: 300, contentDigest });
    const twoHoursAgo = Date.now() - 7_200_000;
    const stale = claimOf('<xml>old</xml>', { timestamp: String(Math.floor(twoHoursAgo / 1000)) });
    await nonces.claim(stale, twoHoursAgo);
    const fresh = claimOf('<xml>new</xml>');
    await nonces.claim(fresh);
    await until(async () => (await sql`select 1 from callback_nonces where expires_at < now()`.execute(env.storage.db)).rows.length === 0, 10_000, 'the sweep');
    // The unexpired row stays: its URL is still refused with another body.
    expect(await refusal(nonces.claim({ ...fresh, content: '<xml>forged</xml>' }))).toBe('replayed_nonce');
    expect(await rows(env.storage.db)).toBeGreaterThan(0);
  });
});

describe('callback nonces across instances (PostgreSQL)', () => {
  let env: Awaited<ReturnType<typeof openTestStorage>>;
  let pool: pg.Pool;
  let counted: Db;
  let statements = 0;
  beforeAll(async () => {
    env = await openTestStorage('postgres');
    pool = new pg.Pool({ connectionString: env.url!, max: 2 });
    counted = new Kysely<Database>({
      dialect: new PostgresDialect({ pool }),
      log: (event) => {
        if (event.level === 'query') statements++;
      },
    });
  });
  afterAll(async () => {
    await counted?.destroy();
    await env?.cleanup();
  });

  it('is shared: a URL used on one instance is refused with another body on the next', async () => {
    const a = createCallbackNonces(env.storage.db, { toleranceSeconds: 300, contentDigest });
    const b = createCallbackNonces(counted, { toleranceSeconds: 300, contentDigest });
    const url = claimOf('<xml>real</xml>');
    await a.claim(url);
    expect(await refusal(b.claim({ ...url, content: '<xml>forged</xml>' }))).toBe('replayed_nonce');
    await b.claim(url);
  });

  it('costs one statement a push at most, one for the pushes of one turn (16 at a time); the sweep runs once a minute per instance, not per push', async () => {
    const nonces = createCallbackNonces(counted, { toleranceSeconds: 300, contentDigest });
    statements = 0;
    for (let i = 0; i < 20; i++) await nonces.claim(claimOf(`<xml>${i}</xml>`));
    // 20 claims, and the sweep the first of them started (this instance had not swept yet).
    await until(() => statements >= 21, 5_000, 'the sweep');
    expect(statements).toBe(21);
    statements = 0;
    await Promise.all(Array.from({ length: 20 }, (_, i) => nonces.claim(claimOf(`<xml>together ${i}</xml>`))));
    expect(statements).toBe(2);
  });

  it('does not deadlock when two instances claim the same URLs in one turn each, in opposite orders', async () => {
    const a = createCallbackNonces(env.storage.db, { toleranceSeconds: 300, contentDigest });
    const b = createCallbackNonces(counted, { toleranceSeconds: 300, contentDigest });
    for (let round = 0; round < 20; round++) {
      const urls = Array.from({ length: 16 }, (_, i) => claimOf(`<xml>round ${round} push ${i}</xml>`));
      const outcomes = await Promise.all([...urls.map((url) => refusal(a.claim(url))), ...[...urls].reverse().map((url) => refusal(b.claim(url)))]);
      expect(outcomes).toEqual(outcomes.map(() => 'accepted'));
    }
  });

  it('answers LedgerUnavailableError (503, WeChat retries) when the database cannot be asked', async () => {
    const gone = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/none', connectionTimeoutMillis: 500 }) }) });
    try {
      const error = await createCallbackNonces(gone, { toleranceSeconds: 300, contentDigest }).claim(claimOf('<xml/>')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LedgerUnavailableError);
    } finally {
      await gone.destroy();
    }
  });
});
