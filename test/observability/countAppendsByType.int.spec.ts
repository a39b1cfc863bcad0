import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Counter, Registry } from 'prom-client';
import { countAppendsByType } from '../../src/observability/countAppendsByType.ts';
import type { NewEvent } from '../../src/ledger/events.ts';
import { openTestLedger, type TestLedger } from '../support/testDatabase.ts';

const login = (openid: string): NewEvent => ({ type: 'login.recorded', data: { appid: 'wxcount', openid, unionid: 'u1' }, meta: { source: 'login', idempotencyKey: `login:${openid}` } });
const resolved: NewEvent = { type: 'unionid.resolved', data: { appid: 'wxcount', openid: 'o1', unionid: 'u1', via: 'code2session' }, meta: { source: 'login', idempotencyKey: 'unionid:code2session:wxcount:o1:u1' } };

describe('appends counted by type', () => {
  let env: TestLedger;
  const counter = new Counter({ name: 'appended_by_type', help: 'test', labelNames: ['type'], registers: [new Registry()] });
  const count = async (type: string) => (await counter.get()).values.find((v) => v.labels.type === type)?.value ?? 0;
  beforeAll(async () => {
    env = await openTestLedger('pglite');
    await env.ledger.append([login('o0')]); // before the counter: not counted
    await countAppendsByType(env.ledger, counter);
  });
  afterAll(() => env.cleanup());

  it('counts new events only: a repeated request, and the already-stored part of a new one, are not counted again', async () => {
    await env.ledger.append([login('o1'), resolved]);
    await env.ledger.append([login('o1'), resolved]); // a retry: the original events
    await env.ledger.append([login('o2'), resolved]); // a second login, same unionid resolution
    await env.ledger.append([login('o0')]); // stored before the counter existed
    expect(await count('login.recorded')).toBe(2);
    expect(await count('unionid.resolved')).toBe(1);
  });
});
