import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/configError.ts';
import { loadConfig } from '../../src/config/loadConfig.ts';

describe('the embedded demo configuration (its admin API key is published)', () => {
  it('refuses to run against PostgreSQL, saying to set LEDGER_CONFIG', () => {
    expect(() => loadConfig({ env: { DATABASE_URL: 'postgres://db/ledger' } })).toThrow(ConfigError);
    expect(() => loadConfig({ env: { DATABASE_URL: 'postgres://db/ledger' } })).toThrow(/DATABASE_URL.*LEDGER_CONFIG/s);
  });

  it('refuses to run in production mode', () => {
    expect(() => loadConfig({ env: { NODE_ENV: 'production' } })).toThrow(/NODE_ENV is production.*LEDGER_CONFIG/s);
  });

  it('still runs for local development (PGlite, no NODE_ENV=production)', () => {
    expect(loadConfig({ env: { NODE_ENV: 'development' } }).usingDemoConfig).toBe(true);
  });
});
