import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEDGER_APPEND_LOCK } from '../../src/ledger/ledgerLock.ts';
import { parseConfigFile } from '../../src/config/loadConfig.ts';
import { startServer, type RunningServer } from '../../src/serve.ts';
import { buildPush, sendPush } from '../../src/simulator/pushSender.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { OA } from '../support/e2eHarness.ts';
import { startThrowawayPostgres } from '../support/throwawayPostgres.ts';
import { until } from '../support/until.ts';

/** WeChat waits 5 s for an answer: anything slower is a hang, as far as WeChat is concerned. */
const WECHAT_TIMEOUT_MS = 5000;

describe('a frozen PostgreSQL (SIGSTOP)', () => {
  let pgServer: Awaited<ReturnType<typeof startThrowawayPostgres>>;
  let server: RunningServer;
  beforeAll(async () => {
    pgServer = await startThrowawayPostgres();
    const file = parseConfigFile({
      accounts: [{ appid: OA.appid, kind: 'oa', secret: 'oa-secret', token: OA.token, encodingAESKey: OA.encodingAESKey, originalId: OA.originalId }],
      wechat: { apiBase: 'http://127.0.0.1:9' },
      masterKey: 'ZTJlIG1hc3RlciBrZXkgZm9yIHRlc3RzIG9ubHkhISE=',
    });
    // lock_timeout below WeChat's 5 s (the default, 5 s, is set for jobs' long transactions on a busy database).
    server = await startServer(
      { ...file, databaseUrl: pgServer.url, natsUrl: null, port: 0, dataDir: './data', postgres: { lockTimeoutMs: 1500 } },
      { logger: createLogger({ level: 'silent' }) },
    );
  });
  afterAll(async () => {
    pgServer?.thaw();
    await server?.close();
    await pgServer?.destroy();
  });

  const target = () => `${server.url}/wechat/${OA.appid}/callback`;
  const push = (openid: string) => sendPush(target(), buildPush({ ...OA, format: 'xml', mode: 'safe' }, { event: 'subscribe', openid }), { tries: 1, timeoutMs: WECHAT_TIMEOUT_MS });
  const readyz = () =>
    fetch(`${server.url}/readyz`, { signal: AbortSignal.timeout(WECHAT_TIMEOUT_MS) }).then(
      (response) => response.status,
      () => 'no answer',
    );

  it('pushes get 503 ledger_unavailable in time for WeChat to retry, and readiness answers', async () => {
    for (let i = 0; i < 5; i++) expect((await push(`o-warm-${i}`)).attempts[0]!.status).toBe(200);
    pgServer.freeze({ everything: true });
    try {
      const [ready, ...pushes] = await Promise.all([readyz(), ...Array.from({ length: 40 }, (_, i) => push(`o-frozen-${i}`))]);
      expect(ready).toBe(503);
      for (const delivery of pushes) {
        const attempt = delivery.attempts[0]!;
        expect(attempt.status).toBe(503);
        expect(JSON.parse(attempt.body).error.code).toBe('ledger_unavailable');
      }
      expect(await readyz()).toBe(503);
    } finally {
      pgServer.thaw();
    }
    // WeChat's retry after the thaw is accepted.
    await until(async () => (await push('o-frozen-0')).attempts[0]!.status === 200, 20_000, 'pushes accepted again');
    expect(await readyz()).toBe(200);
    const events = await server.service.ledger.read({ openid: 'o-frozen-0' });
    expect(events.filter((e) => e.type === 'follow.subscribed')).toHaveLength(1);
  });

  it('with only the postmaster frozen (no new connections), every push is answered: accepted or 503', async () => {
    pgServer.freeze();
    try {
      const [ready, ...pushes] = await Promise.all([readyz(), ...Array.from({ length: 40 }, (_, i) => push(`o-postmaster-${i}`))]);
      expect(ready).not.toBe('no answer');
      for (const delivery of pushes) expect([200, 503]).toContain(delivery.attempts[0]!.status);
    } finally {
      pgServer.thaw();
    }
    await until(async () => (await push('o-postmaster-after')).attempts[0]!.status === 200, 20_000, 'pushes accepted again');
  });
  it('a session that holds the append lock and does not move: pushes get 503 (lock_timeout), not a hang or a 400', async () => {
    const stuck = new pg.Client({ connectionString: pgServer.url });
    await stuck.connect();
    try {
      await stuck.query('begin');
      await stuck.query('select pg_advisory_xact_lock($1)', [LEDGER_APPEND_LOCK]);
      const pushes = await Promise.all(Array.from({ length: 10 }, (_, i) => push(`o-locked-${i}`)));
      for (const delivery of pushes) {
        expect(delivery.attempts[0]!.status).toBe(503);
        expect(JSON.parse(delivery.attempts[0]!.body).error.code).toBe('ledger_unavailable');
      }
    } finally {
      await stuck.end();
    }
    expect((await push('o-locked-0')).attempts[0]!.status).toBe(200);
  });
});
