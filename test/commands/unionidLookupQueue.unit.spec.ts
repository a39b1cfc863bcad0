import { describe, expect, it, vi } from 'vitest';
import { createUnionidLookupQueue } from '../../src/commands/unionidLookupQueue.ts';
import type { Ledger } from '../../src/ledger/ledger.ts';
import type { NewEvent } from '../../src/ledger/events.ts';
import type { Logger } from '../../src/observability/logger.ts';
import type { UserInfo } from '../../src/wechat/api/user.ts';
import type { WechatClient } from '../../src/wechat/api/wechatClient.ts';
import { WechatApiError } from '../../src/wechat/api/errcodes.ts';

const info = (openid: string, unionid: string | null = `u-${openid}`): UserInfo => ({
  openid,
  subscribed: true,
  unionid,
  subscribeTime: null,
  subscribeScene: null,
  qrSceneStr: null,
});

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** A WeChat whose answers wait until `release()`: lookups queue up behind the first one. */
function fakeWechat(
  options: {
    unionidOf?: (openid: string) => string | null;
    batchFails?: boolean;
    /** A batchget that asks for one of these fails whole with 40003, as WeChat's does. */
    batchRefuses?: (openid: string) => boolean;
    /** Answers a batchget in reverse order, leaving these openids out. */
    reverseAndOmit?: string[];
  } = {},
) {
  const unionidOf = options.unionidOf ?? ((openid: string) => `u-${openid}`);
  let gate = deferred();
  const calls: { api: string; appid: string; openids: string[] }[] = [];
  const clientOf = (appid: string) =>
    ({
      user: {
        async userInfo(openid: string) {
          calls.push({ api: 'user/info', appid, openids: [openid] });
          await gate.promise;
          return info(openid, unionidOf(openid));
        },
        async batchGetUserInfo(openids: readonly string[]) {
          calls.push({ api: 'user/info/batchget', appid, openids: [...openids] });
          await gate.promise;
          if (options.batchFails) throw new Error('errcode 45009: api freq out of limit');
          if (openids.some((openid) => options.batchRefuses?.(openid))) {
            throw new WechatApiError({ kind: 'invalid_openid', errcode: 40003, errmsg: 'invalid openid', api: 'user/info/batchget', appid });
          }
          if (options.reverseAndOmit) {
            return [...openids].reverse().filter((o) => !options.reverseAndOmit!.includes(o)).map((openid) => info(openid, unionidOf(openid)));
          }
          return openids.map((openid) => info(openid, unionidOf(openid)));
        },
      },
    }) as unknown as WechatClient;
  return {
    calls,
    clientOf,
    release() {
      gate.resolve();
    },
  };
}

type Resolved = NewEvent & { data: { appid: string; openid: string; unionid: string; via: string } };

function fakeLedger() {
  const appended: Resolved[] = [];
  const ledger = {
    async append(events: NewEvent[]) {
      appended.push(...(events as Resolved[]));
      return { events: [], duplicate: false };
    },
  } as unknown as Ledger;
  return { ledger, appended };
}

const quietLogger = () => ({ warn: vi.fn() }) as unknown as Logger & { warn: ReturnType<typeof vi.fn> };

describe('unionid lookup queue', () => {
  it('resolves a lone subscribe with one user/info and appends unionid.resolved caused by the subscribe', async () => {
    const wechat = fakeWechat();
    const { ledger, appended } = fakeLedger();
    const resolver = createUnionidLookupQueue({ ledger, clientOf: wechat.clientOf, logger: quietLogger() });
    wechat.release();
    resolver.enqueue('wxA', 'o-1', 'evt-1');
    await resolver.idle();
    expect(wechat.calls).toEqual([{ api: 'user/info', appid: 'wxA', openids: ['o-1'] }]);
    expect(appended).toHaveLength(1);
    expect(appended[0]).toMatchObject({ type: 'unionid.resolved', data: { appid: 'wxA', openid: 'o-1', unionid: 'u-o-1', via: 'user_info' }, meta: { causationId: 'evt-1' } });
  });

  it('sends the lookups that queued during a burst as batchget calls of at most 100 openids of one account', async () => {
    const wechat = fakeWechat({ unionidOf: (openid) => (openid.endsWith('-7') ? null : `u-${openid}`) });
    const { ledger, appended } = fakeLedger();
    const resolver = createUnionidLookupQueue({ ledger, clientOf: wechat.clientOf, logger: quietLogger(), concurrency: 1 });
    resolver.enqueue('wxA', 'a-first', 'c');
    for (let i = 0; i < 150; i++) {
      resolver.enqueue('wxA', `a-${i}`, `c-a-${i}`);
      if (i % 50 === 0) resolver.enqueue('wxB', `b-${i}`, `c-b-${i}`);
    }
    wechat.release();
    await resolver.idle();

    const [first, ...rest] = wechat.calls;
    expect(first).toEqual({ api: 'user/info', appid: 'wxA', openids: ['a-first'] });
    expect(rest.every((call) => call.api === 'user/info/batchget' && call.openids.length <= 100)).toBe(true);
    expect(rest.map((call) => [call.appid, call.openids.length])).toEqual([
      ['wxA', 100],
      ['wxB', 3],
      ['wxA', 50],
    ]);
    // Every openid asked once; everyone with a unionid resolved once (a-7, a-17, … have none).
    const asked = wechat.calls.flatMap((call) => call.openids);
    expect(new Set(asked).size).toBe(asked.length);
    expect(asked).toHaveLength(154);
    const withoutUnionid = asked.filter((openid) => openid.endsWith('-7')).length;
    expect(appended).toHaveLength(154 - withoutUnionid);
    expect(appended.find((event) => event.data.openid === 'b-100')).toMatchObject({ data: { appid: 'wxB', unionid: 'u-b-100', via: 'batchget' }, meta: { causationId: 'c-b-100' } });
    expect(appended.find((event) => event.data.openid === 'a-first')).toMatchObject({ data: { via: 'user_info' } });
  });

  it('asks once for an openid queued twice, and matches answers by openid whatever their order', async () => {
    const wechat = fakeWechat({ reverseAndOmit: ['o-2'] });
    const { ledger, appended } = fakeLedger();
    const resolver = createUnionidLookupQueue({ ledger, clientOf: wechat.clientOf, logger: quietLogger(), concurrency: 1 });
    resolver.enqueue('wxA', 'o-0', 'c-0');
    for (const [openid, cause] of [['o-1', 'c-1'], ['o-2', 'c-2'], ['o-1', 'c-1-again'], ['o-3', 'c-3']]) resolver.enqueue('wxA', openid!, cause!);
    wechat.release();
    await resolver.idle();
    expect(wechat.calls[1]).toEqual({ api: 'user/info/batchget', appid: 'wxA', openids: ['o-1', 'o-2', 'o-3'] });
    const resolved = appended.slice(1).map((event) => [event.data.openid, event.data.unionid, event.meta.causationId]);
    // o-2 left out of the answer: nothing for it (backfill finds it). o-1 once per subscribe that asked.
    expect(resolved).toEqual([
      ['o-1', 'u-o-1', 'c-1'],
      ['o-1', 'u-o-1', 'c-1-again'],
      ['o-3', 'u-o-3', 'c-3'],
    ]);
  });

  it('splits a batchget that one invalid openid fails in halves until that openid stands alone, like the backfill', async () => {
    const wechat = fakeWechat({ batchRefuses: (openid) => openid === 'o-bad' });
    const { ledger, appended } = fakeLedger();
    const resolver = createUnionidLookupQueue({ ledger, clientOf: wechat.clientOf, logger: quietLogger(), concurrency: 1 });
    resolver.enqueue('wxA', 'o-0', 'c');
    for (const openid of ['o-1', 'o-bad', 'o-2']) resolver.enqueue('wxA', openid, 'c');
    wechat.release();
    await resolver.idle();
    expect(wechat.calls.map((call) => [call.api, call.openids])).toEqual([
      ['user/info', ['o-0']],
      ['user/info/batchget', ['o-1', 'o-bad', 'o-2']],
      ['user/info/batchget', ['o-1', 'o-bad']],
      ['user/info/batchget', ['o-2']],
      ['user/info/batchget', ['o-1']],
      ['user/info/batchget', ['o-bad']],
    ]);
    expect(appended.map((event) => [event.data.openid, event.data.via])).toEqual([
      ['o-0', 'user_info'],
      ['o-1', 'batchget'],
      ['o-2', 'batchget'],
    ]);
  });

  it('logs a failed batch and goes on with the next lookups', async () => {
    const wechat = fakeWechat({ batchFails: true });
    const { ledger, appended } = fakeLedger();
    const logger = quietLogger();
    const resolver = createUnionidLookupQueue({ ledger, clientOf: wechat.clientOf, logger, concurrency: 1 });
    resolver.enqueue('wxA', 'o-0', 'c');
    resolver.enqueue('wxA', 'o-1', 'c');
    resolver.enqueue('wxA', 'o-2', 'c');
    wechat.release();
    await resolver.idle();
    expect(appended.map((event) => event.data.openid)).toEqual(['o-0']);
    expect(logger.warn).toHaveBeenCalledWith(expect.objectContaining({ appid: 'wxA', lookups: 2 }), expect.stringContaining('backfill'));
    resolver.enqueue('wxA', 'o-3', 'c');
    await resolver.idle();
    expect(appended.map((event) => event.data.openid)).toEqual(['o-0', 'o-3']);
  });

  it('stop() lets lookups in flight finish and drops the queued ones instead of working through them', async () => {
    const wechat = fakeWechat();
    const { ledger, appended } = fakeLedger();
    const logger = quietLogger();
    const resolver = createUnionidLookupQueue({ ledger, clientOf: wechat.clientOf, logger, concurrency: 1 });
    for (let i = 0; i < 500; i++) resolver.enqueue('wxA', `o-${i}`, 'c');
    expect(resolver.stats()).toEqual({ pending: 499, active: 1, dropped: 0 });
    const stopped = resolver.stop();
    wechat.release();
    await stopped;
    expect(wechat.calls).toHaveLength(1);
    expect(appended.map((event) => event.data.openid)).toEqual(['o-0']);
    expect(resolver.stats()).toEqual({ pending: 0, active: 0, dropped: 499 });
    expect(logger.warn).toHaveBeenCalledWith({ dropped: 499 }, expect.stringContaining('backfill-unionids'));
    resolver.enqueue('wxA', 'late', 'c');
    expect(resolver.stats().dropped).toBe(500);
    expect(wechat.calls).toHaveLength(1);
  });
});
