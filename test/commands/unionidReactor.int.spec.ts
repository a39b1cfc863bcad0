import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigFile } from '../../src/config/loadConfig.ts';
import { createService, type Service } from '../../src/createService.ts';
import type { LedgerEvent } from '../../src/ledger/events.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createSimulator, type Simulator } from '../../src/simulator/simulator.ts';
import { subscribed } from '../support/newEvents.ts';
import { createTestDatabase } from '../support/testDatabase.ts';
import { until } from '../support/until.ts';

const OA = 'wxreactor00001oa01';
const MP = 'wxreactor00001mp01';

describe('the unionid reactor in a running service (PostgreSQL)', () => {
  let simulator: Simulator;
  let closeSimulator: () => Promise<void>;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let service: Service;
  const openid = (person: number) => simulator.state.openidOf(OA, person);
  const resolvedOf = async (openids: string[]) =>
    (await service.ledger.read({ type: 'unionid.resolved', limit: 1000 })).filter((e) => openids.includes((e.data as { openid: string }).openid)) as LedgerEvent<'unionid.resolved'>[];

  beforeAll(async () => {
    simulator = createSimulator({
      accounts: [
        { appid: OA, secret: 'reactor-oa-secret', kind: 'oa', seed: 'reactor1', followers: { count: 200 } },
        { appid: MP, secret: 'reactor-mp-secret', kind: 'mp', seed: 'reactor1' },
      ],
    });
    const running = await simulator.listen(0);
    closeSimulator = () => running.close();
    database = await createTestDatabase('reactor');
    const file = parseConfigFile({
      accounts: [
        { appid: OA, kind: 'oa', secret: 'reactor-oa-secret' },
        { appid: MP, kind: 'mp', secret: 'reactor-mp-secret' },
      ],
      wechat: { apiBase: running.url, callsPerSecond: 1000 },
      masterKey: 'ZTJlIG1hc3RlciBrZXkgZm9yIHRlc3RzIG9ubHkhISE=',
    });
    service = await createService({ ...file, databaseUrl: database.url, natsUrl: null, port: 0, dataDir: './data' }, { logger: createLogger({ level: 'silent' }) });
  });
  afterAll(async () => {
    await service?.close();
    await closeSimulator();
    await database.drop();
  });

  it('looks up a lone subscribe with user/info, and the subscribes of one commit with one batchget', async () => {
    simulator.state.resetCounts();
    const lone = openid(0);
    await service.ledger.append([subscribed(OA, lone)]);
    await until(async () => (await resolvedOf([lone])).length === 1, 15_000, 'the lone unionid');
    expect(simulator.state.callCount('user/info', OA)).toBe(1);
    expect((await resolvedOf([lone]))[0]!.data).toEqual({ appid: OA, openid: lone, unionid: simulator.state.unionidOf(OA, 0), via: 'user_info' });

    const burst = Array.from({ length: 40 }, (_, i) => openid(10 + i));
    await service.ledger.append(burst.map((o) => subscribed(OA, o)));
    await until(async () => (await resolvedOf(burst)).length === burst.length, 15_000, 'the burst unionids');
    expect(simulator.state.callCount('user/info/batchget', OA)).toBe(1);
    expect(simulator.state.callCount('user/info', OA)).toBe(1);
    expect((await resolvedOf(burst)).every((e) => e.data.via === 'batchget' && e.meta.source === 'webhook')).toBe(true);
  });

  it('leaves alone what is not a subscribe pushed to an Official Account', async () => {
    simulator.state.resetCounts();
    const reconciled = openid(100);
    await service.ledger.append([
      { ...subscribed(OA, reconciled), meta: { source: 'reconciliation', idempotencyKey: `reconciled:${reconciled}` } },
      subscribed(MP, 'o-mp-subscribe'),
    ]);
    const marker = openid(101);
    await service.ledger.append([subscribed(OA, marker)]);
    await until(async () => (await resolvedOf([marker])).length === 1, 15_000, 'the marker unionid');
    expect(await resolvedOf([reconciled, 'o-mp-subscribe'])).toEqual([]);
    expect(simulator.state.callCount('user/info', OA) + simulator.state.callCount('user/info/batchget', OA)).toBe(1);
  });
});
