import type { Ledger } from '../ledger/ledger.ts';
import type { Logger } from '../observability/logger.ts';
import type { WechatClient } from '../wechat/api/wechatClient.ts';
import { unionidResolved } from './unionidResolved.ts';

export type UnionidResolverOptions = {
  ledger: Ledger;
  clientOf(appid: string): WechatClient | undefined;
  logger: Logger;
  concurrency?: number;
  /** Past this many waiting lookups new ones are dropped: the unionid backfill job covers them. */
  maxPending?: number;
};

/**
 * After a subscribe, asks `user/info` for the unionid — off the webhook's path, because WeChat
 * gives up on a push after 5 s and the answer must not wait for a second WeChat call. A lookup
 * lost to a crash or a full queue is not a lost fact: `backfill-unionids` finds every openid
 * without a unionid.
 */
export function createUnionidResolver(options: UnionidResolverOptions) {
  const concurrency = options.concurrency ?? 4;
  const maxPending = options.maxPending ?? 10_000;
  const queue: { appid: string; openid: string; causationId: string }[] = [];
  let active = 0;
  let dropped = 0;
  let idleWaiters: (() => void)[] = [];

  const pump = () => {
    while (active < concurrency && queue.length > 0) {
      const job = queue.shift()!;
      active++;
      void resolve(job).finally(() => {
        active--;
        if (active === 0 && queue.length === 0) {
          for (const wake of idleWaiters) wake();
          idleWaiters = [];
        }
        pump();
      });
    }
  };

  async function resolve(job: { appid: string; openid: string; causationId: string }): Promise<void> {
    const client = options.clientOf(job.appid);
    if (!client) return;
    try {
      const info = await client.user.userInfo(job.openid);
      if (!info.unionid) return;
      await options.ledger.append([
        unionidResolved('webhook', { appid: job.appid, openid: job.openid, unionid: info.unionid, via: 'user_info' }, { causationId: job.causationId }),
      ]);
    } catch (error) {
      options.logger.warn({ appid: job.appid, err: (error as Error).message }, 'unionid lookup after subscribe failed; backfill will retry');
    }
  }

  return {
    enqueue(appid: string, openid: string, causationId: string): void {
      if (queue.length >= maxPending) {
        dropped++;
        return;
      }
      queue.push({ appid, openid, causationId });
      pump();
    },
    stats: () => ({ pending: queue.length, active, dropped }),
    /** Resolves when nothing is queued or running (tests, shutdown). */
    idle(): Promise<void> {
      if (active === 0 && queue.length === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
}

export type UnionidResolver = ReturnType<typeof createUnionidResolver>;
