import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/loadConfig.ts';
import { isConnectionError } from '../../src/ledger/isConnectionError.ts';

describe('PostgreSQL timeouts from the environment', () => {
  it('are read in milliseconds (0 = no limit), unset ones left to the defaults', () => {
    const config = loadConfig({ env: { PG_CONNECT_TIMEOUT_MS: '1500', PG_STATEMENT_TIMEOUT_MS: '0', PG_LOCK_TIMEOUT_MS: '' } });
    expect(config.postgres).toEqual({ connectTimeoutMs: 1500, statementTimeoutMs: 0 });
  });

  it('stop the start with the variable named when not a number of milliseconds', () => {
    expect(() => loadConfig({ env: { PG_STALL_TIMEOUT_MS: '1s' } })).toThrow(/PG_STALL_TIMEOUT_MS/);
    expect(() => loadConfig({ env: { PG_LOCK_TIMEOUT_MS: '-5' } })).toThrow(/PG_LOCK_TIMEOUT_MS/);
  });

  it('that fire are "the ledger is unavailable" (503, retry), not "the request is wrong"', () => {
    for (const code of ['57014', '55P03', '25P03']) expect(isConnectionError(Object.assign(new Error('canceling statement'), { code }))).toBe(true);
    expect(isConnectionError(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
  });
});
