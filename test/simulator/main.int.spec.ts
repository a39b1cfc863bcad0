import { describe, expect, it, vi } from 'vitest';
import { startSimulatorFromEnv } from '../../src/simulator/main.ts';
import { createMemoryTokenStore } from '../../src/wechat/api/tokenStore.ts';
import { createWechatClient } from '../../src/wechat/api/wechatClient.ts';
import { demoConfig } from '../../src/config/demoConfig.ts';

describe('identity-ledger simulate', () => {
  it('serves every configured account with seeded followers and prints its URL', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const running = await startSimulatorFromEnv({ SIMULATOR_PORT: '0', SIMULATOR_FOLLOWERS: '1234' });
    try {
      expect(log).toHaveBeenCalledWith(expect.stringContaining(running.url));
      const oa = demoConfig.accounts.find((a) => a.kind === 'oa');
      if (!oa) throw new Error('demo config has no OA');
      const client = createWechatClient({
        account: oa,
        settings: { apiBase: running.url, tokenEndpoint: 'stable_token', callsPerSecond: 100 },
        tokenStore: createMemoryTokenStore(),
      });
      await expect(client.user.getFollowers()).resolves.toMatchObject({ total: 1234, count: 1234 });
      // Over HTTP, as a developer would issue a login code for the demo mini program.
      const mp = demoConfig.accounts.find((a) => a.kind === 'mp');
      const issued = await fetch(`${running.url}/_simulator/codes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ appid: mp?.appid }),
      });
      const { code, openid } = (await issued.json()) as { code: string; openid: string };
      const mpClient = createWechatClient({
        account: mp as { appid: string; secret: string },
        settings: { apiBase: running.url, tokenEndpoint: 'stable_token', callsPerSecond: 100 },
        tokenStore: createMemoryTokenStore(),
      });
      await expect(mpClient.miniProgram.code2Session(code)).resolves.toMatchObject({ openid });
    } finally {
      log.mockRestore();
      await running.close();
    }
  });
});
