import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfigFile } from '../../src/config/loadConfig.ts';
import type { Config } from '../../src/config/schema.ts';
import { startupBanner } from '../../src/startupBanner.ts';

const URL = 'http://127.0.0.1:3000';
const own = parseConfigFile({
  accounts: [{ appid: 'wxown000000000oa01', kind: 'oa', secret: 's', token: 'bannerToken0123456789' }],
  apiKeys: [{ key: 'a-real-secret-key-0123456789', scopes: ['read'] }],
});

describe('the startup banner', () => {
  it('prints the demo API key and the simulator steps in the embedded demo', () => {
    const banner = startupBanner(URL, loadConfig({ env: {} }));
    expect(banner).toContain("Bearer demo-api-key-0123456789'");
    expect(banner).not.toContain('<');
    expect(banner).toContain('npx identity-ledger simulate');
  });

  it('never prints a real API key', () => {
    const config: Config = { ...own, databaseUrl: null, natsUrl: null, port: 3000, dataDir: './data', usingDemoConfig: false };
    const banner = startupBanner(URL, config);
    expect(banner).not.toContain('a-real-secret-key');
    expect(banner).not.toContain('simulate'); // the account talks to WeChat, not to a simulator
  });

  it('prints no simulator or demo hints in production, only the endpoints an operator needs', () => {
    const config: Config = { ...own, wechat: { ...own.wechat, apiBase: 'http://127.0.0.1:3100' }, databaseUrl: 'postgres://db/ledger', natsUrl: 'nats://nats:4222', port: 3000, dataDir: './data', usingDemoConfig: false };
    const banner = startupBanner(URL, config);
    expect(banner).toContain('PostgreSQL, NATS JetStream');
    expect(banner).toContain(`${URL}/readyz`);
    expect(banner).not.toMatch(/simulate|send-push|Bearer/);
  });

  it('warns when production runs the demo configuration', () => {
    const config = { ...loadConfig({ env: {} }), databaseUrl: 'postgres://db/ledger' };
    const banner = startupBanner(URL, config);
    expect(banner).toContain('WARNING');
    expect(banner).not.toContain('demo-api-key');
  });
});
