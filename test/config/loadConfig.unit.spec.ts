import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/loadConfig.ts';

const dir = mkdtempSync(join(tmpdir(), 'ledger-config-'));
const write = (name: string, content: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
};
const account = { appid: 'wxoa', kind: 'oa', secret: '${OA_SECRET}', token: 't', encodingAESKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG' };

describe('configuration (DESIGN §5)', () => {
  it('without LEDGER_CONFIG uses the embedded demo configuration and the defaults', () => {
    const config = loadConfig({ env: {} });
    expect(config.accounts.map((a) => a.kind).sort()).toEqual(['mp', 'oa', 'web']);
    expect(config).toMatchObject({ databaseUrl: null, natsUrl: null, port: 3000 });
  });

  it('replaces ${NAME} with the environment, and the environment overrides the file', () => {
    const path = write('ok.json', { accounts: [account], apiKeys: [{ key: '${API_KEY}', scopes: ['read'] }] });
    const config = loadConfig({
      env: { LEDGER_CONFIG: path, OA_SECRET: 's3cret', API_KEY: 'k'.repeat(20), DATABASE_URL: 'postgres://x/y', NATS_URL: 'nats://n:4222', PORT: '8080', WECHAT_API_BASE: 'http://127.0.0.1:3100' },
    });
    expect(config.accounts[0]!.secret).toBe('s3cret');
    expect(config.apiKeys[0]!.key).toBe('k'.repeat(20));
    expect(config).toMatchObject({ databaseUrl: 'postgres://x/y', natsUrl: 'nats://n:4222', port: 8080 });
    expect(config.wechat.apiBase).toBe('http://127.0.0.1:3100');
    expect(config.wechat.timestampToleranceSeconds).toBeNull();
  });

  it('--config wins over LEDGER_CONFIG', () => {
    const path = write('cli.json', { accounts: [{ ...account, appid: 'wxcli', secret: 'x' }] });
    expect(loadConfig({ configPath: path, env: { LEDGER_CONFIG: '/nonexistent' } }).accounts[0]!.appid).toBe('wxcli');
  });

  const refused = (content: unknown, env: NodeJS.ProcessEnv = { OA_SECRET: 's' }) => {
    try {
      loadConfig({ env: { ...env, LEDGER_CONFIG: write(`bad-${Math.random()}.json`, content) } });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    throw new Error('accepted');
  };

  it('names the field when validation fails', () => {
    expect(refused({ accounts: [{ ...account, kind: 'bot' }] })).toMatch(/accounts\.0\.kind/);
    expect(refused({ accounts: [{ ...account, encodingAESKey: '!'.repeat(43) }] })).toMatch(/accounts\.0\.encodingAESKey/);
    expect(refused({ accounts: [account, account] })).toMatch(/accounts\.1\.appid: duplicate appid wxoa/);
  });

  it('refuses a misspelt key instead of silently dropping the setting', () => {
    expect(refused({ accounts: [{ ...account, encodingAesKey: account.encodingAESKey }] })).toMatch(/encodingAesKey/);
    expect(refused({ accounts: [account], apikeys: [] })).toMatch(/apikeys/);
  });

  it('names a missing environment variable, a bad file and a bad override', () => {
    expect(refused({ accounts: [account] }, {})).toMatch(/accounts\.0\.secret: environment variable OA_SECRET is not set/);
    expect(refused('{ not json')).toMatch(/not valid JSON/);
    expect(() => loadConfig({ env: { WECHAT_API_BASE: 'not a url' } })).toThrow(/WECHAT_API_BASE/);
    expect(() => loadConfig({ env: { PORT: 'eighty' } })).toThrow(/PORT/);
    expect(() => loadConfig({ env: { LEDGER_CONFIG: join(dir, 'missing.json') } })).toThrow(/cannot read/);
  });
});
