import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/loadConfig.ts';
import { REPO_ROOT } from '../support/serviceProcess.ts';

const path = join(REPO_ROOT, 'ledger.config.example.json');

/** The values docker-compose.yml passes in, shaped as the README says to make them. */
const env = {
  LEDGER_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
  LEDGER_API_KEY: 'example-api-key-0123456789abcdef',
  SESSION_KEY_SECRET: Buffer.alloc(32, 9).toString('base64'),
  OA_SECRET: 'oa-app-secret',
  OA_TOKEN: 'oatoken',
  OA_ENCODING_AES_KEY: 'kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR',
  MP_SECRET: 'mp-app-secret',
  MP_TOKEN: 'mptoken',
  MP_ENCODING_AES_KEY: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  WEB_SECRET: 'web-app-secret',
  DATABASE_URL: 'postgres://ledger:secret@postgres:5432/ledger',
  NATS_URL: 'nats://nats:4222',
};

describe('ledger.config.example.json', () => {
  it('is a valid production configuration once the variables compose passes are set', () => {
    const config = loadConfig({ configPath: path, env });
    expect(config.accounts.map((a) => a.kind)).toEqual(['oa', 'mp', 'web']);
    expect(config.apiKeys[0]!.key).toBe(env.LEDGER_API_KEY);
    expect(config.usingDemoConfig).toBe(false);
  });

  it('keeps the callback timestamp window (300 s): without it a captured plain-mode URL carries any body a day later, and every split of it is usable (red team 2, F2)', () => {
    const raw = JSON.parse(readFileSync(path, 'utf8')) as { wechat: Record<string, unknown> };
    expect(raw.wechat).not.toHaveProperty('timestampToleranceSeconds');
    expect(loadConfig({ configPath: path, env }).wechat.timestampToleranceSeconds).toBe(300);
  });

  it('keeps every secret out of the file: each one is a ${NAME} reference', () => {
    const raw = JSON.parse(readFileSync(path, 'utf8')) as { accounts: Record<string, string>[]; apiKeys: { key: string }[]; sessionKeySecret: string };
    const secrets = [...raw.accounts.flatMap((a) => [a.secret, a.token, a.encodingAESKey]), raw.apiKeys[0]!.key, raw.sessionKeySecret].filter((v) => v !== undefined);
    for (const value of secrets) expect(value).toMatch(/^\$\{[A-Z_]+\}$/);
  });

  it('names the variable that is missing', () => {
    const { OA_TOKEN: _omitted, ...rest } = env;
    expect(() => loadConfig({ configPath: path, env: rest })).toThrow(/accounts\.0\.token: environment variable OA_TOKEN is not set/);
  });
});
