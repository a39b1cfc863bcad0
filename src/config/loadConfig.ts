import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigFile, type Config } from './schema.ts';
import type { PostgresTimeouts } from '../ledger/openStorage.ts';
import { demoConfig } from './demoConfig.ts';
import { ConfigError } from './configError.ts';


/** Replaces `${NAME}` in every string with the environment variable; a missing one is an error. */
export function substituteEnv(value: unknown, env: NodeJS.ProcessEnv, path: string[] = []): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      const found = env[name];
      if (found === undefined) throw new ConfigError(`${path.join('.') || '(root)'}: environment variable ${name} is not set`);
      return found;
    });
  }
  if (Array.isArray(value)) return value.map((item, index) => substituteEnv(item, env, [...path, String(index)]));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substituteEnv(item, env, [...path, key])]));
  }
  return value;
}

export function parseConfigFile(raw: unknown, env: NodeJS.ProcessEnv = process.env): ConfigFile {
  const substituted = substituteEnv(raw, env);
  const parsed = ConfigFile.safeParse(substituted);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n  ${issues.join('\n  ')}`);
  }
  return parsed.data;
}

export type LoadOptions = { configPath?: string | undefined; env?: NodeJS.ProcessEnv };

export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const path = options.configPath ?? env.LEDGER_CONFIG;
  let raw: unknown = demoConfig;
  if (path) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new ConfigError(`cannot read configuration file ${path}: ${(error as Error).message}`);
    }
    try {
      raw = JSON.parse(text);
    } catch (error) {
      throw new ConfigError(`configuration file ${path} is not valid JSON: ${(error as Error).message}`);
    }
  }
  if (!path) refuseDemoOutsideDevelopment(env);
  const file = parseConfigFile(raw, env);
  if (env.WECHAT_API_BASE) {
    if (!z.string().url().safeParse(env.WECHAT_API_BASE).success) throw new ConfigError(`WECHAT_API_BASE: not a URL: ${env.WECHAT_API_BASE}`);
    file.wechat.apiBase = env.WECHAT_API_BASE;
  }
  const port = env.PORT ? Number(env.PORT) : 3000;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`PORT: not a port number: ${env.PORT}`);
  const role = env.LEDGER_ROLE || 'all';
  if (role !== 'all' && role !== 'api') throw new ConfigError(`LEDGER_ROLE: must be all or api, not ${role}`);
  if (role === 'api' && !env.DATABASE_URL) {
    throw new ConfigError(
      'LEDGER_ROLE=api needs DATABASE_URL: an api instance leaves the work that follows the ledger to an instance with LEDGER_ROLE=all on the same PostgreSQL, and the embedded database belongs to one process',
    );
  }
  return {
    role,
    ...file,
    postgres: postgresTimeouts(env),
    databaseUrl: env.DATABASE_URL || null,
    natsUrl: env.NATS_URL || null,
    port,
    dataDir: env.LEDGER_DATA_DIR || './data',
    usingDemoConfig: !path,
  };
}

/**
 * The demo configuration's admin API key is published in the README: anyone who reaches a
 * service running it owns the ledger. It is for trying the service on one machine (PGlite), so
 * it refuses to run against PostgreSQL or in production mode (the service also binds it to
 * 127.0.0.1 only).
 */
function refuseDemoOutsideDevelopment(env: NodeJS.ProcessEnv): void {
  const reason = env.DATABASE_URL ? 'DATABASE_URL is set' : env.NODE_ENV === 'production' ? 'NODE_ENV is production' : null;
  if (reason) {
    throw new ConfigError(
      `${reason}, but no configuration file was given: the embedded demo configuration (whose admin API key is published in the README) ` +
        'only runs for local development. Set LEDGER_CONFIG (or pass --config) to your configuration file.',
    );
  }
}

const POSTGRES_TIMEOUT_VARIABLES: Record<keyof PostgresTimeouts, string> = {
  connectTimeoutMs: 'PG_CONNECT_TIMEOUT_MS',
  stallTimeoutMs: 'PG_STALL_TIMEOUT_MS',
  statementTimeoutMs: 'PG_STATEMENT_TIMEOUT_MS',
  lockTimeoutMs: 'PG_LOCK_TIMEOUT_MS',
  idleInTransactionTimeoutMs: 'PG_IDLE_IN_TRANSACTION_TIMEOUT_MS',
};

/** The PostgreSQL timeouts the environment sets (whole milliseconds, 0 = no limit). */
function postgresTimeouts(env: NodeJS.ProcessEnv): Partial<PostgresTimeouts> {
  const timeouts: Partial<PostgresTimeouts> = {};
  for (const [field, variable] of Object.entries(POSTGRES_TIMEOUT_VARIABLES) as [keyof PostgresTimeouts, string][]) {
    const raw = env[variable];
    if (raw === undefined || raw === '') continue;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0) throw new ConfigError(`${variable}: not a number of milliseconds: ${raw}`);
    timeouts[field] = value;
  }
  return timeouts;
}
