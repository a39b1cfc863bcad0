import { createSimulator, type RunningSimulator, type Simulator, type SimulatorOptions } from '../../../src/simulator/simulator.ts';
import { createMemoryTokenStore, type TokenStore } from '../../../src/wechat/api/tokenStore.ts';
import { createWechatClient, type WechatClient, type WechatClientOptions } from '../../../src/wechat/api/wechatClient.ts';
import type { CallInfo } from '../../../src/wechat/api/httpClient.ts';

export const OA = { appid: 'wxtestoa000000001', secret: 'oa-secret', kind: 'oa' as const, originalId: 'gh_testoa00001' };
export const MP = { appid: 'wxtestmp000000001', secret: 'mp-secret', kind: 'mp' as const };
export const WEB = { appid: 'wxtestweb00000001', secret: 'web-secret', kind: 'web' as const };

export type Fixture = {
  simulator: Simulator;
  running: RunningSimulator;
  client(account: { appid: string; secret: string }, options?: Partial<WechatClientOptions>): WechatClient;
  calls: CallInfo[];
  close(): Promise<void>;
};

/** A simulator on a random port and clients pointed at it, with fast retries. */
export async function startFixture(options: SimulatorOptions): Promise<Fixture> {
  const simulator = createSimulator(options);
  const running = await simulator.listen(0);
  const calls: CallInfo[] = [];
  return {
    simulator,
    running,
    calls,
    client(account, overrides = {}) {
      return createWechatClient({
        account,
        settings: { apiBase: running.url, tokenEndpoint: 'stable_token', callsPerSecond: 1000 },
        tokenStore: createMemoryTokenStore() satisfies TokenStore,
        onCall: (info) => calls.push(info),
        tuning: { backoffMs: 5, maxBackoffMs: 20, timeoutMs: 5000 },
        ...overrides,
      });
    },
    close: () => running.close(),
  };
}
