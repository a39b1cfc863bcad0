import type { Ledger } from '../ledger/ledger.ts';
import type { Logger } from '../observability/logger.ts';
import { lookupUnionids, type UnionidAnswer } from '../wechat/api/lookupUnionids.ts';
import { BATCHGET_LIMIT } from '../wechat/api/user.ts';
import type { WechatClient } from '../wechat/api/wechatClient.ts';
import { unionidResolved } from './unionidResolved.ts';

export type UnionidLookupQueueOptions = {
  ledger: Ledger;
  clientOf(appid: string): WechatClient | undefined;
  logger: Logger;
  /** WeChat calls in flight at once. */
  concurrency?: number;
  /** Past this many waiting lookups new ones are dropped (the reactor never queues that many). */
  maxPending?: number;
};

export type UnionidLookup = { appid: string; openid: string; causationId: string };
/** `done`: asked (and, with an answer, appended — or the failure logged); `dropped`: never asked. */
export type LookupOutcome = 'done' | 'dropped';

type Queued = UnionidLookup & { settle(outcome: LookupOutcome): void };

/**
 * Asks WeChat for the unionids of subscribers (the unionid reactor's lookups, unionidReactor.ts),
 * appending each answer as `unionid.resolved`. A lone lookup is one `user/info`; lookups that
 * queue up behind busy workers (a follow burst, or a page with several subscribes) go out as one
 * `user/info/batchget` per 100 openids of an account, which keeps up with bursts and spends a
 * hundredth of the calls; a batchget that one invalid openid fails is split as lookupUnionids.ts
 * does for the jobs. A failed call is logged and not retried: `backfill-unionids` finds every
 * openid still without a unionid.
 */
export function createUnionidLookupQueue(options: UnionidLookupQueueOptions) {
  const concurrency = options.concurrency ?? 4;
  const maxPending = options.maxPending ?? 10_000;
  const queue: Queued[] = [];
  let active = 0;
  let dropped = 0;
  let stopped = false;
  let idleWaiters: (() => void)[] = [];

  const pump = () => {
    while (!stopped && active < concurrency && queue.length > 0) {
      const batch = takeBatch(queue);
      active++;
      void resolveBatch(batch).finally(() => {
        for (const lookup of batch) lookup.settle('done');
        active--;
        if (active === 0 && queue.length === 0) {
          for (const wake of idleWaiters) wake();
          idleWaiters = [];
        }
        pump();
      });
    }
  };

  async function resolveBatch(batch: Queued[]): Promise<void> {
    const { appid } = batch[0]!;
    const client = options.clientOf(appid);
    if (!client) return;
    // A user who subscribed, left and came back is asked about once.
    const openids = [...new Set(batch.map((l) => l.openid))];
    // The audit trail names the API that answered.
    const via: 'user_info' | 'batchget' = openids.length === 1 ? 'user_info' : 'batchget';
    let answers: UnionidAnswer[];
    try {
      answers = openids.length === 1 ? [await client.user.userInfo(openids[0]!)] : await lookupUnionids(client.user, openids);
    } catch (error) {
      options.logger.warn({ appid, lookups: openids.length, err: (error as Error).message }, 'unionid lookup after subscribe failed; backfill will retry');
      return;
    }
    const unionidOf = new Map(answers.map((answer) => [answer.openid, answer.unionid]));
    await Promise.all(
      batch.map(async ({ openid, causationId }) => {
        const unionid = unionidOf.get(openid);
        if (!unionid) return;
        try {
          await options.ledger.append([unionidResolved('webhook', { appid, openid, unionid, via }, { causationId })]);
        } catch (error) {
          options.logger.warn({ appid, err: (error as Error).message }, 'appending a unionid after subscribe failed; backfill will retry');
        }
      }),
    );
  }

  const idle = (): Promise<void> => {
    if (active === 0 && queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => idleWaiters.push(resolve));
  };

  const add = (lookup: UnionidLookup): Promise<LookupOutcome> => {
    if (stopped || queue.length >= maxPending) {
      dropped++;
      return Promise.resolve('dropped');
    }
    return new Promise((settle) => queue.push({ ...lookup, settle }));
  };

  return {
    /** Resolves once the lookup was made (whatever WeChat answered) or dropped. */
    enqueue(appid: string, openid: string, causationId: string): Promise<LookupOutcome> {
      const outcome = add({ appid, openid, causationId });
      pump();
      return outcome;
    },
    /** Queues them all before the first call goes out, so that they can share it. */
    enqueueAll(lookups: readonly UnionidLookup[]): Promise<LookupOutcome>[] {
      const outcomes = lookups.map(add);
      pump();
      return outcomes;
    },
    stats: () => ({ pending: queue.length, active, dropped }),
    /** Resolves when nothing is queued or running (tests). */
    idle,
    /**
     * Shutdown: lookups in flight finish, queued ones are dropped (and logged) rather than
     * holding the process for minutes after a burst; the reactor asks for them again when it
     * resumes from its checkpoint.
     */
    async stop(): Promise<void> {
      stopped = true;
      const left = queue.splice(0);
      if (left.length > 0) {
        dropped += left.length;
        for (const lookup of left) lookup.settle('dropped');
        options.logger.warn({ dropped: left.length }, 'unionid lookups dropped at shutdown; the unionid reactor asks again after its next start (backfill-unionids resolves any openid still without one)');
      }
      await idle();
    },
  };
}

/** Takes the first lookup and up to 99 more of the same account, out of `queue`, keeping the others' order. */
function takeBatch(queue: Queued[]): Queued[] {
  const { appid } = queue[0]!;
  const batch: Queued[] = [];
  let kept = 0;
  for (const lookup of queue) {
    if (batch.length < BATCHGET_LIMIT && lookup.appid === appid) batch.push(lookup);
    else queue[kept++] = lookup;
  }
  queue.length = kept;
  return batch;
}

export type UnionidLookupQueue = ReturnType<typeof createUnionidLookupQueue>;
