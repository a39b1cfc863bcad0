import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEB, startFixture, type Fixture } from './simulatorFixture.ts';

describe('web OAuth', () => {
  let fixture: Fixture;

  beforeAll(async () => {
    fixture = await startFixture({ accounts: [{ ...WEB, seed: 'web' }] });
  });
  afterAll(() => fixture?.close());

  it('exchanges a snsapi_userinfo code for openid and unionid, then reads sns/userinfo', async () => {
    const { state } = fixture.simulator;
    const openid = state.openidOf(WEB.appid, 9);
    const unionid = state.unionidOf(WEB.appid, 9);
    const client = fixture.client(WEB);
    const auth = await client.oauth.exchangeOauthCode(state.issueOauthCode(WEB.appid, { openid, unionid }));
    expect(auth).toMatchObject({ openid, unionid, scope: 'snsapi_userinfo', snapshotUser: false, expiresIn: 7200 });
    await expect(client.oauth.snsUserInfo(auth.accessToken, openid)).resolves.toMatchObject({ openid, unionid });
    // The user's token is not the account's: nothing was fetched from the token endpoints.
    expect(state.tokenCalls(WEB.appid)).toBe(0);
  });

  it('snsapi_base: no unionid, and sns/userinfo is refused with 48001', async () => {
    const { state } = fixture.simulator;
    const client = fixture.client(WEB);
    const code = state.issueOauthCode(WEB.appid, { unionid: state.unionidOf(WEB.appid, 1), scope: 'snsapi_base' });
    const auth = await client.oauth.exchangeOauthCode(code);
    expect(auth.unionid).toBeNull();
    await expect(client.oauth.snsUserInfo(auth.accessToken, auth.openid)).rejects.toMatchObject({ errcode: 48001, kind: 'rejected' });
    await expect(client.oauth.exchangeOauthCode(code)).rejects.toMatchObject({ errcode: 40163, kind: 'invalid_code' });
  });

  it('flags snapshot-mode virtual users', async () => {
    const { state } = fixture.simulator;
    const auth = await fixture.client(WEB).oauth.exchangeOauthCode(state.issueOauthCode(WEB.appid, { snapshotUser: true }));
    expect(auth.snapshotUser).toBe(true);
  });
});
