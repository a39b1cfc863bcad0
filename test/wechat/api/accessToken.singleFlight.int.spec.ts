import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestStorage } from '../../support/testDatabase.ts';
import { openStorage, type Storage } from '../../../src/ledger/openStorage.ts';
import { createDatabaseTokenStore, createMemoryTokenStore } from '../../../src/wechat/api/tokenStore.ts';
import { OA, startFixture, type Fixture } from './simulatorFixture.ts';

describe('access token single flight', () => {
  let fixture: Fixture;
  let database: Awaited<ReturnType<typeof openTestStorage>>;
  let second: Storage;

  beforeAll(async () => {
    fixture = await startFixture({ accounts: [{ ...OA, followers: { count: 10 } }] });
    database = await openTestStorage('postgres');
    // A second pool on the same database stands in for a second process.
    second = await openStorage({ databaseUrl: database.url });
  });
  afterAll(async () => {
    await second?.close();
    await database?.cleanup();
    await fixture?.close();
  });

  it('100 concurrent callers in one process fetch the token once', async () => {
    fixture.simulator.state.resetCounts();
    const client = fixture.client(OA, { tokenStore: createMemoryTokenStore() });
    const tokens = await Promise.all(Array.from({ length: 100 }, () => client.accessToken.get()));
    expect(new Set(tokens).size).toBe(1);
    expect(fixture.simulator.state.tokenCalls(OA.appid)).toBe(1);
    await Promise.all(Array.from({ length: 20 }, () => client.user.getFollowers()));
    expect(fixture.simulator.state.tokenCalls(OA.appid)).toBe(1);
  });

  it('two processes starting cold on one PostgreSQL store fetch once and share the token', async () => {
    fixture.simulator.state.resetCounts();
    const a = fixture.client(OA, { tokenStore: createDatabaseTokenStore(database.storage.db) });
    const b = fixture.client(OA, { tokenStore: createDatabaseTokenStore(second.db) });
    const tokens = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).accessToken.get()));
    expect(new Set(tokens).size).toBe(1);
    expect(fixture.simulator.state.tokenCalls(OA.appid)).toBe(1);
    const stored = await createDatabaseTokenStore(database.storage.db).get(OA.appid);
    expect(stored?.token).toBe(tokens[0]);
  });

  it('with cgi-bin/token, 100 cold callers across two processes still fetch once', async () => {
    await database.storage.db.deleteFrom('wechat_access_tokens').execute();
    fixture.simulator.state.resetCounts();
    const settings = { apiBase: fixture.running.url, tokenEndpoint: 'token' as const, callsPerSecond: 1000 };
    const a = fixture.client(OA, { tokenStore: createDatabaseTokenStore(database.storage.db), settings });
    const b = fixture.client(OA, { tokenStore: createDatabaseTokenStore(second.db), settings });
    const tokens = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).accessToken.get()));
    expect(new Set(tokens).size).toBe(1);
    expect(fixture.simulator.state.callCount('token', OA.appid)).toBe(1);
    expect(fixture.simulator.state.callCount('stable_token', OA.appid)).toBe(0);
  });
});
