import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseMasterKey } from '../ledger/keys/masterKeys.ts';
import type { Config } from './schema.ts';
import { ConfigError } from './configError.ts';

/**
 * Where the embedded mode keeps its master key: next to the data directory, not in it
 * (`./data` → `./data.master.key`), so a copy or backup of the data directory does not carry
 * the key that opens it.
 */
export function embeddedKeyPath(dataDir: string): string {
  const dir = resolve(dataDir);
  return `${dir}.master.key`;
}

/**
 * The master keys the ledger wraps its keys with, current first. Production mode (PostgreSQL, or
 * NODE_ENV=production) requires `masterKey` in the configuration: a key kept next to the data it
 * protects would make every backup of the database carry its own key. The embedded mode keeps a
 * key of its own beside the data directory (created on first start, mode 0600), so `npm start`
 * needs nothing set; an in-memory database gets a random one.
 */
export function resolveMasterKeys(config: Pick<Config, 'masterKey' | 'previousMasterKeys' | 'databaseUrl' | 'dataDir'>, env: NodeJS.ProcessEnv = process.env): Buffer[] {
  const previous = (config.previousMasterKeys ?? []).map((key, index) => parseKey(key, `previousMasterKeys.${index}`));
  if (config.masterKey) return [parseKey(config.masterKey, 'masterKey'), ...previous];
  if (config.databaseUrl || env.NODE_ENV === 'production') {
    throw new ConfigError(
      'masterKey: required in production mode (DATABASE_URL is set or NODE_ENV=production). Add "masterKey": "${LEDGER_MASTER_KEY}" to the configuration ' +
        'and set LEDGER_MASTER_KEY to 32 random bytes, base64 (openssl rand -base64 32); keep it apart from the database and its backups',
    );
  }
  if (config.dataDir === 'memory://') return [randomBytes(32), ...previous];
  return [embeddedKey(config.dataDir), ...previous];
}

function parseKey(encoded: string, field: string): Buffer {
  try {
    return parseMasterKey(encoded, field);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}

function embeddedKey(dataDir: string): Buffer {
  const path = embeddedKeyPath(dataDir);
  // Earlier versions kept it inside the data directory: move it out rather than lose the data.
  const inside = join(dataDir, 'master.key');
  if (!existsSync(path) && existsSync(inside)) renameSync(inside, path);
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  }
  chmodSync(path, 0o600);
  return parseKey(readFileSync(path, 'utf8').trim(), path);
}
