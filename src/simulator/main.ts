import { loadConfig } from '../config/loadConfig.ts';
import { createSimulator, type RunningSimulator, type SimulatedAccount, type Simulator } from './simulator.ts';

/**
 * `identity-ledger simulate`: a simulator for every account of the ledger configuration.
 * SIMULATOR_PORT (default 3100), SIMULATOR_FOLLOWERS per OA (default 1000), SIMULATOR_SEED
 * (default "demo": all accounts share one universe, so OA followers and MP users link),
 * SIMULATOR_HOST (default 127.0.0.1).
 */
export async function startSimulatorFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<RunningSimulator & { simulator: Simulator }> {
  const config = loadConfig({ env });
  const port = integer(env.SIMULATOR_PORT, 3100, 'SIMULATOR_PORT');
  const followers = integer(env.SIMULATOR_FOLLOWERS, 1000, 'SIMULATOR_FOLLOWERS');
  const seed = env.SIMULATOR_SEED || 'demo';
  const accounts: SimulatedAccount[] = config.accounts.map((account) => ({
    appid: account.appid,
    secret: account.secret,
    kind: account.kind,
    seed,
    ...(account.originalId ? { originalId: account.originalId } : {}),
    ...(account.kind === 'oa' ? { followers: { count: followers } } : {}),
    ...(account.migratedFrom
      ? { migration: { fromAppid: account.migratedFrom.appid, migratedAt: account.migratedFrom.migratedAt ?? new Date() } }
      : {}),
  }));
  const simulator = createSimulator({ accounts });
  const running = await simulator.listen(port, env.SIMULATOR_HOST || '127.0.0.1');
  console.log(`WeChat simulator listening on ${running.url} (${accounts.map((a) => `${a.appid}:${a.kind}`).join(', ')})`);
  return { ...running, simulator };
}

function integer(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new Error(`${name}: not a non-negative integer: ${value}`);
  return parsed;
}
