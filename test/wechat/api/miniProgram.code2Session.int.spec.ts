import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpStatusOf, isWechatApiError } from '../../../src/wechat/api/errcodes.ts';
import { MP, startFixture, type Fixture } from './simulatorFixture.ts';

const OTHER_MP = { appid: 'wxtestmp000000002', secret: 'mp2-secret', kind: 'mp' as const };

describe('code2Session', () => {
  let fixture: Fixture;

  beforeAll(async () => {
    fixture = await startFixture({ accounts: [{ ...MP, seed: 'mp' }, { ...OTHER_MP, seed: 'mp' }] });
  });
  afterAll(() => fixture?.close());

  it('answers without an errcode; unionid only when WeChat hands it out', async () => {
    const { state } = fixture.simulator;
    const openid = state.openidOf(MP.appid, 1);
    const withUnion = state.issueCode(MP.appid, { openid, unionid: state.unionidOf(MP.appid, 1), sessionKey: 'a2V5a2V5a2V5a2V5a2V5aw==' });
    const raw = await fetch(`${fixture.running.url}/sns/jscode2session?appid=${MP.appid}&secret=${MP.secret}&js_code=${withUnion}&grant_type=authorization_code`);
    const body = (await raw.json()) as Record<string, unknown>;
    expect(body).not.toHaveProperty('errcode');
    expect(body).toMatchObject({ openid, unionid: state.unionidOf(MP.appid, 1), session_key: 'a2V5a2V5a2V5a2V5a2V5aw==' });

    const client = fixture.client(MP);
    const plain = state.issueCode(MP.appid, { openid });
    await expect(client.miniProgram.code2Session(plain)).resolves.toEqual({
      openid,
      unionid: null,
      sessionKey: state.codeDetails(plain)?.sessionKey,
    });
  });

  it('40029 for an unknown code → invalid_code, HTTP 401', async () => {
    const error = await fixture.client(MP).miniProgram.code2Session('nope').catch((e: unknown) => e);
    expect(isWechatApiError(error, 'invalid_code')).toBe(true);
    expect(error).toMatchObject({ errcode: 40029 });
    expect(httpStatusOf(error as never)).toBe(401);
  });

  it('40163 when a code is used twice', async () => {
    const client = fixture.client(MP);
    const code = fixture.simulator.state.issueCode(MP.appid);
    await client.miniProgram.code2Session(code);
    await expect(client.miniProgram.code2Session(code)).rejects.toMatchObject({ kind: 'invalid_code', errcode: 40163, status: 401 });
  });

  it('45011 → rate_limited, HTTP 429, not retried', async () => {
    const client = fixture.client(MP);
    fixture.simulator.state.resetCounts();
    fixture.simulator.state.failNext('jscode2session', 45011, 1);
    const code = fixture.simulator.state.issueCode(MP.appid);
    await expect(client.miniProgram.code2Session(code)).rejects.toMatchObject({ kind: 'rate_limited', errcode: 45011, status: 429 });
    expect(fixture.simulator.state.callCount('jscode2session')).toBe(1);
    // The code was not consumed by the refused call.
    await expect(client.miniProgram.code2Session(code)).resolves.toMatchObject({ unionid: null });
  });

  it('a code issued for another mini program is invalid here', async () => {
    const foreign = fixture.simulator.state.issueCode(OTHER_MP.appid);
    await expect(fixture.client(MP).miniProgram.code2Session(foreign)).rejects.toMatchObject({ errcode: 40029 });
    await expect(fixture.client(OTHER_MP).miniProgram.code2Session(foreign)).resolves.toMatchObject({ unionid: null });
  });
});
