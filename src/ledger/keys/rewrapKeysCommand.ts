import type { Config } from '../../config/schema.ts';
import { resolveMasterKeys } from '../../config/masterKey.ts';
import { migrateToLatest } from '../migrate.ts';
import { openStorage } from '../openStorage.ts';
import { createKeyring } from './masterKeys.ts';
import { rewrapKeys } from './rewrapKeys.ts';

/** `identity-ledger rewrap-keys`: step two of a master-key rotation (README "Key management"). */
export async function rewrapKeysCommand(config: Config): Promise<number> {
  const [current, ...previous] = resolveMasterKeys(config);
  const storage = await openStorage({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrateToLatest(storage.db);
    const done = await rewrapKeys(storage.db, createKeyring(current!, previous));
    console.log(`rewrapped under master key ${createKeyring(current!).kid}: ${done.secrets} ledger secret(s), ${done.subjectKeys} subject key(s)`);
    return 0;
  } finally {
    await storage.close();
  }
}
