import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/configError.ts';
import { loadConfig } from '../../src/config/loadConfig.ts';
import { messageModeOf } from '../../src/config/schema.ts';

const dir = mkdtempSync(join(tmpdir(), 'ledger-config-'));
const write = (name: string, content: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
};
const account = { appid: 'wxoa', kind: 'oa', secret: '${OA_SECRET}', token: 'tok1234567890abcdef', encodingAESKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG' };

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
    expect(config.wechat.timestampToleranceSeconds).toBe(300);
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

  it('refuses two accounts with the same callback token, naming both (a URL signed for one would verify for the other)', () => {
    const mp = { ...account, appid: 'wxmp', kind: 'mp' };
    const message = refused({ accounts: [account, { appid: 'wxweb', kind: 'web', secret: 's' }, mp] });
    expect(message).toMatch(/accounts\.2\.token: wxmp has the same callback token as wxoa/);
    expect(message).not.toContain(account.token);
    // Different tokens, or accounts without a callback, are fine.
    expect(() => loadConfig({ env: { OA_SECRET: 's', LEDGER_CONFIG: write('two-tokens.json', { accounts: [account, { ...mp, token: 'othertoken1234567' }] }) } })).not.toThrow();
  });

  it('refuses a callback token WeChat would not accept (3–32 letters or digits), naming the field', () => {
    for (const token of ['ab', 'x'.repeat(33), 'tok-en', 'tök1', '']) {
      expect(refused({ accounts: [{ ...account, token }] })).toMatch(/accounts\.0\.token: must be 3–32 letters or digits/);
    }
    const path = write('short-token.json', { accounts: [{ ...account, token: 'abc' }] });
    expect(loadConfig({ env: { LEDGER_CONFIG: path, OA_SECRET: 's' } }).accounts[0]!.token).toBe('abc');
  });

  it('takes the message mode per account (plain, compatible or safe); compatible and safe need an encodingAESKey', () => {
    const { encodingAESKey: _key, ...keyless } = account;
    expect(refused({ accounts: [{ ...keyless, messageMode: 'safe' }] })).toMatch(/accounts\.0\.messageMode: safe mode needs an encodingAESKey/);
    expect(refused({ accounts: [{ ...keyless, messageMode: 'compatible' }] })).toMatch(/accounts\.0\.messageMode/);
    expect(refused({ accounts: [{ ...account, messageMode: 'aes' }] })).toMatch(/accounts\.0\.messageMode/);
    // The flag it replaced is refused like any unknown key, so an old file cannot silently change meaning.
    expect(refused({ accounts: [{ ...account, acceptPlaintext: true }] })).toMatch(/acceptPlaintext/);
    const path = write('modes.json', { accounts: [{ ...account, messageMode: 'plain' }, { ...keyless, appid: 'wxkeyless', token: 'keylesstoken1234' }, { ...account, appid: 'wxdefault', token: 'defaulttoken1234' }] });
    const accounts = loadConfig({ env: { LEDGER_CONFIG: path, OA_SECRET: 's' } }).accounts;
    expect(accounts.map((a) => messageModeOf(a))).toEqual(['plain', 'plain', 'safe']);
  });

  it('bounds the timestamp to 300 s by default; null is an explicit opt-out', () => {
    const path = write('tolerance.json', { accounts: [account], wechat: { timestampToleranceSeconds: null } });
    expect(loadConfig({ env: { LEDGER_CONFIG: path, OA_SECRET: 's' } }).wechat.timestampToleranceSeconds).toBeNull();
    expect(loadConfig({ env: {} }).wechat.timestampToleranceSeconds).toBe(300);
    expect(refused({ accounts: [account], wechat: { timestampToleranceSeconds: 0 } })).toMatch(/wechat\.timestampToleranceSeconds/);
  });

  it('has HTTP server limits with defaults, and refuses a headers timeout longer than the request timeout', () => {
    expect(loadConfig({ env: {} }).http).toEqual({ headersTimeoutSeconds: 10, requestTimeoutSeconds: 15, keepAliveTimeoutSeconds: 5, maxConnections: 1024 });
    expect(refused({ accounts: [account], http: { headersTimeoutSeconds: 20, requestTimeoutSeconds: 15 } })).toMatch(/http\.headersTimeoutSeconds/);
    expect(refused({ accounts: [account], http: { maxConnections: 0 } })).toMatch(/http\.maxConnections/);
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

  it('takes LEDGER_ROLE all (the default) or api; api needs PostgreSQL, since another instance does the background work', () => {
    const path = write('role.json', { accounts: [account], apiKeys: [{ key: 'k'.repeat(20), scopes: ['admin'] }] });
    const env = { LEDGER_CONFIG: path, OA_SECRET: 's', DATABASE_URL: 'postgres://x/y' };
    expect(loadConfig({ env }).role).toBe('all');
    expect(loadConfig({ env: { ...env, LEDGER_ROLE: 'api' } }).role).toBe('api');
    expect(() => loadConfig({ env: { ...env, LEDGER_ROLE: 'worker' } })).toThrow(/LEDGER_ROLE: must be all or api, not worker/);
    expect(() => loadConfig({ env: { LEDGER_ROLE: 'api' } })).toThrow(ConfigError);
    expect(() => loadConfig({ env: { LEDGER_ROLE: 'api' } })).toThrow(/LEDGER_ROLE=api needs DATABASE_URL/);
  });
});
