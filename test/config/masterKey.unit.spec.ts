import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/configError.ts';
import { MASTER_KEY_FILE, resolveMasterKeys } from '../../src/config/masterKey.ts';

const KEY = Buffer.alloc(32, 7).toString('base64');
const OLD = Buffer.alloc(32, 9).toString('base64');

describe('the master key', () => {
  it('is required in production mode, with a message that says what to set', () => {
    expect(() => resolveMasterKeys({ databaseUrl: 'postgres://x/y', dataDir: './data', previousMasterKeys: [] }, {})).toThrow(ConfigError);
    expect(() => resolveMasterKeys({ databaseUrl: 'postgres://x/y', dataDir: './data', previousMasterKeys: [] }, {})).toThrow(/masterKey.*LEDGER_MASTER_KEY.*openssl rand -base64 32/s);
    expect(() => resolveMasterKeys({ databaseUrl: null, dataDir: './data', previousMasterKeys: [] }, { NODE_ENV: 'production' })).toThrow(/masterKey/);
  });

  it('must be 32 bytes of base64; the error names the field', () => {
    expect(() => resolveMasterKeys({ masterKey: 'short', databaseUrl: null, dataDir: './data', previousMasterKeys: [] }, {})).toThrow(/^masterKey: must be 32 random bytes/);
    expect(() => resolveMasterKeys({ masterKey: KEY, databaseUrl: null, dataDir: './data', previousMasterKeys: ['x'] }, {})).toThrow(/^previousMasterKeys\.0:/);
    const keys = resolveMasterKeys({ masterKey: KEY, databaseUrl: 'postgres://x/y', dataDir: './data', previousMasterKeys: [OLD] }, {});
    expect(keys.map((k) => k.toString('base64'))).toEqual([KEY, OLD]);
  });

  it('in embedded mode is created once in the data directory, readable by its owner only', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'master-key-')), 'data');
    const first = resolveMasterKeys({ databaseUrl: null, dataDir: dir, previousMasterKeys: [] }, {});
    const second = resolveMasterKeys({ databaseUrl: null, dataDir: dir, previousMasterKeys: [] }, {});
    expect(first[0]!.equals(second[0]!)).toBe(true);
    expect(statSync(join(dir, MASTER_KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(resolveMasterKeys({ databaseUrl: null, dataDir: 'memory://', previousMasterKeys: [] }, {})[0]).toHaveLength(32);
  });
});
