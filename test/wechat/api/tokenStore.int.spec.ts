import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestStorage } from '../../support/testDatabase.ts';
import { createDatabaseTokenStore, createMemoryTokenStore, type TokenStore } from '../../../src/wechat/api/tokenStore.ts';

const later = () => new Date(Date.now() + 7_200_000);

function behaves(name: string, open: () => Promise<{ store: TokenStore; close(): Promise<void> }>) {
  describe(name, () => {
    let store: TokenStore;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ store, close } = await open());
    });
    afterAll(() => close?.());

    it('puts, overwrites and reads a token per appid', async () => {
      expect(await store.get('wxA')).toBeNull();
      const expiresAt = later();
      await store.put('wxA', 'T1', expiresAt);
      await store.put('wxA', 'T2', expiresAt);
      await store.put('wxB', 'B1', expiresAt);
      expect(await store.get('wxA')).toEqual({ token: 'T2', expiresAt });
      expect((await store.get('wxB'))?.token).toBe('B1');
    });

    it('compare-and-expire removes only the named token', async () => {
      await store.put('wxC', 'new', later());
      expect(await store.expireIf('wxC', 'old')).toBe(false);
      expect((await store.get('wxC'))?.token).toBe('new');
      expect(await store.expireIf('wxC', 'new')).toBe(true);
      expect(await store.get('wxC')).toBeNull();
    });

    it('runs refreshes of one appid one after the other, each seeing the previous write', async () => {
      const order: string[] = [];
      await Promise.all(
        ['r1', 'r2', 'r3'].map((name) =>
          store.withRefreshLock('wxD', async (locked) => {
            const before = await locked.get('wxD');
            order.push(`${name}:${before?.token ?? '-'}`);
            // Deliberately holds the lock a while: refreshes that were not serialized would interleave here.
            await new Promise((resolve) => setTimeout(resolve, 20));
            await locked.put('wxD', name, later());
          }),
        ),
      );
      expect(order.map((entry) => entry.split(':')[1])).toEqual(['-', order[0]?.split(':')[0], order[1]?.split(':')[0]]);
    });
  });
}

behaves('memory token store', async () => ({ store: createMemoryTokenStore(), close: async () => {} }));

behaves('PostgreSQL token store', async () => {
  const { storage, cleanup } = await openTestStorage('postgres');
  return { store: createDatabaseTokenStore(storage.db), close: cleanup };
});

behaves('PGlite token store', async () => {
  const { storage, cleanup } = await openTestStorage('pglite');
  return { store: createDatabaseTokenStore(storage.db, { crossProcess: false }), close: cleanup };
});
