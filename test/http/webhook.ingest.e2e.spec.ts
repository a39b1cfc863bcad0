import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'nats';
import { startE2E, OA, MP, type E2E, keepWithdrawals } from '../support/e2eHarness.ts';
import { until } from '../support/until.ts';
import { buildPush, sendPush } from '../../src/simulator/pushSender.ts';
import { STREAM_NAME } from '../../src/bus/subjectOf.ts';
import type { LedgerEvent } from '../../src/ledger/events.ts';

describe('WeChat pushes over HTTP (PostgreSQL, JetStream, simulator)', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E({ configure: keepWithdrawals });
  });
  afterAll(async () => {
    await e2e?.close();
  });

  const eventsOf = async (openid: string) => (await e2e.server.service.ledger.read({ openid })) as LedgerEvent[];

  it('answers the GET URL verification with echostr verbatim, 403 on a bad signature, 404 for an unknown appid', async () => {
    const built = buildPush({ ...OA, format: 'xml', mode: 'plain' }, { event: 'subscribe', openid: 'x' });
    const query = new URLSearchParams({ signature: built.query.signature!, timestamp: built.query.timestamp!, nonce: built.query.nonce!, echostr: 'echo 123' });
    expect(await (await fetch(`${e2e.url}/wechat/${OA.appid}/callback?${query}`)).text()).toBe('echo 123');
    query.set('signature', 'f'.repeat(40));
    expect((await fetch(`${e2e.url}/wechat/${OA.appid}/callback?${query}`)).status).toBe(403);
    expect((await fetch(`${e2e.url}/wechat/wxunknown/callback?${query}`)).status).toBe(404);
  });

  it('a signed subscribe → success, the event in the ledger and on JetStream, user/info called, unionid.resolved appended', async () => {
    const openid = e2e.simulator.state.openidOf(OA.appid, 3);
    const unionid = e2e.simulator.state.unionidOf(OA.appid, 3);
    const answer = await e2e.push(OA.appid, { event: 'subscribe', openid, eventKey: 'qrscene_spring' });
    expect(answer).toEqual({ status: 200, body: 'success' });

    const subscribed = (await eventsOf(openid)).find((e) => e.type === 'follow.subscribed')!;
    expect(subscribed.data).toMatchObject({ appid: OA.appid, openid, scene: 'spring', eventKey: 'qrscene_spring' });
    expect(subscribed.meta.source).toBe('webhook');

    const resolved = await until(async () => (await eventsOf(openid)).find((e) => e.type === 'unionid.resolved'), 15_000, 'the unionid', 50);
    expect(resolved.data).toEqual({ appid: OA.appid, openid, unionid, via: 'user_info' });
    expect(resolved.meta.causationId).toBe(subscribed.id);
    expect(e2e.simulator.state.callCount('user/info', OA.appid)).toBeGreaterThanOrEqual(1);

    const nc = await connect({ servers: e2e.natsUrl });
    const jsm = await nc.jetstreamManager();
    const message = await until(async () => {
      try {
        return await jsm.streams.getMessage(STREAM_NAME, { last_by_subj: `identity.events.unionid.resolved.${OA.appid}` });
      } catch {
        return undefined;
      }
    }, 15_000, 'the unionid on JetStream', 50);
    expect(message.header.get('Nats-Msg-Id')).toBe(resolved.id);
    const first = await jsm.streams.getMessage(STREAM_NAME, { last_by_subj: `identity.events.follow.subscribed.${OA.appid}` });
    expect(first.json<LedgerEvent>().id).toBe(subscribed.id);
    await nc.close();
  });

  it('the same push delivered 3 times yields one event', async () => {
    const built = buildPush({ ...OA, format: 'xml', mode: 'safe' }, { event: 'unsubscribe', openid: 'o-thrice' });
    for (let i = 0; i < 3; i++) {
      const delivery = await sendPush(`${e2e.url}/wechat/${OA.appid}/callback`, built, { tries: 1 });
      expect(delivery.delivered).toBe(true);
    }
    expect((await eventsOf('o-thrice')).map((e) => e.type)).toEqual(['follow.unsubscribed']);
    const metrics = await (await fetch(`${e2e.url}/metrics`)).text();
    expect(metrics).toMatch(/ledger_dedupe_hits_total\{source="webhook"\} [2-9]/);
  });

  it('accepts safe-mode and compatibility-mode pushes, with the event time from CreateTime', async () => {
    const createTime = Math.floor(Date.now() / 1000) - 30;
    expect((await e2e.push(OA.appid, { event: 'subscribe', openid: 'o-safe', createTime }, 'safe')).body).toBe('success');
    expect((await e2e.push(OA.appid, { event: 'subscribe', openid: 'o-compat' }, 'compatible')).body).toBe('success');
    const [safe] = await eventsOf('o-safe');
    expect(safe!.occurredAt).toBe(new Date(createTime * 1000).toISOString());
    expect((await eventsOf('o-compat')).map((e) => e.type)).toContain('follow.subscribed');
  });

  it('accepts a JSON mini program push (user_authorization_revoke)', async () => {
    const answer = await e2e.push(MP.appid, { event: 'user_authorization_revoke', openid: 'o-mp-revoke' }, 'safe');
    expect(answer.body).toBe('success');
    expect((await eventsOf('o-mp-revoke')).map((e) => [e.type, e.data])).toEqual([['authorization.revoked', { appid: MP.appid, openid: 'o-mp-revoke', revokeInfo: '1' }]]);
  });
});
