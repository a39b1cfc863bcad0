import { describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../../src/simulator/simulator.ts';

const OA = { appid: 'wxsimoa0000000001', secret: 's', kind: 'oa' as const };

async function token(simulator: Simulator): Promise<string> {
  const response = await simulator.app.request('/cgi-bin/stable_token', {
    method: 'POST',
    body: JSON.stringify({ grant_type: 'client_credential', appid: OA.appid, secret: 's' }),
    headers: { 'content-type': 'application/json' },
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

type Page = { total: number; count: number; data?: { openid: string[] }; next_openid: string };

async function page(simulator: Simulator, accessToken: string, next?: string): Promise<Page> {
  const query = new URLSearchParams({ access_token: accessToken, ...(next ? { next_openid: next } : {}) });
  return (await (await simulator.app.request(`/cgi-bin/user/get?${query}`)).json()) as Page;
}

async function everyFollower(simulator: Simulator): Promise<string[]> {
  const accessToken = await token(simulator);
  const openids: string[] = [];
  let next: string | undefined;
  for (;;) {
    const answer = await page(simulator, accessToken, next);
    if (answer.count === 0 || !answer.data) return openids;
    openids.push(...answer.data.openid);
    next = answer.next_openid;
  }
}

describe('seeded followers', () => {
  it('the same seed gives the same followers in the same order; another seed others', async () => {
    const make = (seed: string) => createSimulator({ accounts: [{ ...OA, followers: { count: 25, seed } }], pageSize: 10 });
    const a = await everyFollower(make('one'));
    expect(a).toHaveLength(25);
    expect(await everyFollower(make('one'))).toEqual(a);
    expect(await everyFollower(make('two'))).not.toEqual(a);
  });

  it('OA followers and MP users of one seed share unionids', () => {
    const simulator = createSimulator({
      accounts: [
        { ...OA, followers: { count: 10, seed: 'platform' } },
        { appid: 'wxsimmp0000000001', secret: 's', kind: 'mp', seed: 'platform' },
      ],
    });
    const { state } = simulator;
    expect(state.unionidOf(OA.appid, 3)).toBe(state.unionidOf('wxsimmp0000000001', 3));
    expect(state.openidOf(OA.appid, 3)).not.toBe(state.openidOf('wxsimmp0000000001', 3));
  });

  it('mutations overlay the generated list without copying it', async () => {
    const simulator = createSimulator({ accounts: [{ ...OA, followers: { count: 5, seed: 'm' } }], pageSize: 2 });
    const { state } = simulator;
    const gone = state.openidOf(OA.appid, 1);
    const newcomer = state.openidOf(OA.appid, 100);
    state.unfollow(OA.appid, gone);
    state.follow(OA.appid, newcomer);
    const all = await everyFollower(simulator);
    expect(all).toEqual([0, 2, 3, 4, 100].map((i) => state.openidOf(OA.appid, i)));
    expect(state.followerCount(OA.appid)).toBe(5);
    expect(state.isFollower(OA.appid, gone)).toBe(false);
  });

  it('1,000,000 followers page through quickly without being materialised', async () => {
    const before = process.memoryUsage().heapUsed;
    const simulator = createSimulator({ accounts: [{ ...OA, followers: { count: 1_000_000, seed: 'big' } }] });
    // Nothing per follower is built up front (a million openid strings alone would be ~60 MB).
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(8 * 1024 * 1024);
    const started = performance.now();
    const accessToken = await token(simulator);
    let next: string | undefined;
    let seen = 0;
    let pages = 0;
    let first: string | undefined;
    let last: string | undefined;
    for (;;) {
      const answer = await page(simulator, accessToken, next);
      if (answer.count === 0 || !answer.data) break;
      expect(answer.total).toBe(1_000_000);
      seen += answer.count;
      pages += 1;
      first ??= answer.data.openid[0];
      last = answer.data.openid.at(-1);
      next = answer.next_openid;
    }
    expect(seen).toBe(1_000_000);
    expect(pages).toBe(100);
    expect(first).toBe(simulator.state.openidOf(OA.appid, 0));
    expect(last).toBe(simulator.state.openidOf(OA.appid, 999_999));
    expect(performance.now() - started).toBeLessThan(20_000);
  });
});
