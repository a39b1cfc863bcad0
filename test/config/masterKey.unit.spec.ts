import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/configError.ts';
import { embeddedKeyPath, resolveMasterKeys } from '../../src/config/masterKey.ts';

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

  it('in embedded mode is created once beside the data directory (not in it: a copy of the directory carries no key), readable by its owner only', () => {
    const parent = mkdtempSync(join(tmpdir(), 'master-key-'));
    const dir = join(parent, 'data');
    const first = resolveMasterKeys({ databaseUrl: null, dataDir: dir, previousMasterKeys: [] }, {});
    const second = resolveMasterKeys({ databaseUrl: null, dataDir: dir, previousMasterKeys: [] }, {});
    expect(first[0]!.equals(second[0]!)).toBe(true);
    expect(embeddedKeyPath(dir)).toBe(join(parent, 'data.master.key'));
    expect(statSync(join(parent, 'data.master.key')).mode & 0o777).toBe(0o600);
    expect(existsSync(join(dir, 'master.key'))).toBe(false);
    expect(resolveMasterKeys({ databaseUrl: null, dataDir: 'memory://', previousMasterKeys: [] }, {})[0]).toHaveLength(32);
  });

  it('a key an earlier version kept inside the data directory is moved out, not replaced', () => {
    const parent = mkdtempSync(join(tmpdir(), 'master-key-'));
    const dir = join(parent, 'data');
    mkdirSync(dir);
    writeFileSync(join(dir, 'master.key'), `${KEY}\n`, { mode: 0o600 });
    const keys = resolveMasterKeys({ databaseUrl: null, dataDir: dir, previousMasterKeys: [] }, {});
    expect(keys[0]!.toString('base64')).toBe(KEY);
    expect(existsSync(join(dir, 'master.key'))).toBe(false);
    expect(readFileSync(join(parent, 'data.master.key'), 'utf8').trim()).toBe(KEY);
  });
});
