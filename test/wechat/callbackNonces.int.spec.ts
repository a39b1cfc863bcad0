import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, Db } from '../../src/ledger/database.ts';
import { LedgerUnavailableError } from '../../src/ledger/ledgerErrors.ts';
import { createCallbackNonces, keyedContentDigest, type NonceClaim } from '../../src/wechat/callbackNonces.ts';
import { SignatureError } from '../../src/wechat/errors.ts';
import { computeSignature } from '../../src/wechat/signature.ts';
import { openTestStorage } from '../support/testDatabase.ts';
import { until } from '../support/until.ts';

const contentDigest = keyedContentDigest(Buffer.alloc(32, 9));
let serial = 0;
/** A claim as the route makes it: signed (the memory is keyed on the signature) unless `extra` says otherwise. */
const claimOf = (content: string, extra: Partial<NonceClaim> = {}): NonceClaim => {
  const timestamp = extra.timestamp ?? String(Math.floor(Date.now() / 1000));
  const nonce = extra.nonce ?? String(++serial);
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

  it('costs one statement a push; the sweep runs once a minute per instance, not per push', async () => {
    const nonces = createCallbackNonces(counted, { toleranceSeconds: 300, contentDigest });
    statements = 0;
    for (let i = 0; i < 20; i++) await nonces.claim(claimOf(`<xml>${i}</xml>`));
    // 20 claims, and the sweep the first of them started (this instance had not swept yet).
    await until(() => statements >= 21, 5_000, 'the sweep');
    expect(statements).toBe(21);
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
