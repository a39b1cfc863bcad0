import { unionidResolved } from '../../commands/unionidResolved.ts';
import type { NewEvent } from '../../ledger/events.ts';
import { lookupUnionids } from '../../wechat/api/lookupUnionids.ts';
import type { WechatClient } from '../../wechat/api/wechatClient.ts';
import type { JobContext } from '../runner/jobContext.ts';
import { forEachInOrder } from '../runner/forEachInOrder.ts';
import { jobItemChunks, type JobItem } from '../store/jobTables.ts';
import { correctionEvent } from './reconciliationEvents.ts';
import type { ReconcileState } from './reconcileState.ts';

const CHUNK = 1000;

/**
 * Appends the corrections, a chunk of items at a time, a few chunks in flight: a subscribe with
 * the new follower's unionid (`batchget`, 100 a call), an unsubscribe as it is. The cursor moves
 * only over chunks whose events are committed; a chunk redone after a kill appends nothing new.
 */
export async function applyCorrections(ctx: JobContext, client: WechatClient, state: ReconcileState): Promise<void> {
  const { job, service } = ctx;
  const total = state.added + state.removed;
  // Enough chunks in flight that WeChat lookups overlap the appends of the chunks before them.
  const concurrency = Math.max(3, Math.ceil(ctx.settings.callConcurrency / (CHUNK / 100)));
  await forEachInOrder(
    jobItemChunks(service.storage.db, job.id, state.applied, CHUNK),
    { concurrency, signal: ctx.signal },
    async (items: JobItem[]) => {
      const events: NewEvent[] = items.map((item) => correctionEvent(job.id, job.appid, item.openid, item.action as 'subscribe' | 'unsubscribe', state.startedAt));
      const added = items.filter((item) => item.action === 'subscribe').map((item) => item.openid);
      const lookups = added.length > 0 ? await lookupUnionids(client.user, added, (api, call) => ctx.retry(api, call)) : [];
      for (const { openid, unionid } of lookups) {
        if (unionid) events.push(unionidResolved('reconciliation', { appid: job.appid, openid, unionid, via: 'batchget' }, { correlationId: job.id }));
      }
      await ctx.retry('ledger append', () => service.ledger.append(events));
      const resolved = lookups.filter((lookup) => lookup.unionid).length;
      return { resolved, missing: lookups.length - resolved };
    },
    async (items, { resolved, missing }) => {
      state.applied = items[items.length - 1]!.seq;
      state.unionidsResolved += resolved;
      state.unionidsMissing += missing;
      await ctx.progress({ phase: 'applying', done: state.applied, total, state: { ...state } });
    },
  );
}
