import { sql } from 'kysely';
import { isWechatApiError } from '../../wechat/api/errcodes.ts';
import type { WechatClient } from '../../wechat/api/wechatClient.ts';
import type { JobContext } from '../runner/jobContext.ts';
import { retryTransient } from '../runner/retryTransient.ts';
import { JobTables } from '../store/jobTables.ts';
import type { ReconcileState } from './reconcileState.ts';

export type ListingOutcome = 'listed' | 'stale_cursor';

/**
 * Pages `user/get` from the saved cursor to the end, storing each page in the job's snapshot
 * table in the same transaction as the cursor after it: a killed job resumes at the next page
 * and never stores a page twice or skips one. A transient failure continues from the saved
 * cursor after a backoff; a cursor WeChat no longer accepts means the listing starts over.
 */
export async function snapshotFollowers(ctx: JobContext, client: WechatClient, state: ReconcileState): Promise<ListingOutcome> {
  const snapshot = JobTables.snapshot(ctx.job.id);
  return retryTransient(
    async (progressed): Promise<ListingOutcome> => {
      try {
        for await (const page of client.user.followerPages(state.cursor ?? undefined)) {
          ctx.signal.throwIfAborted();
          const next: ReconcileState = { ...state, cursor: page.nextOpenid || null, listed: state.listed + page.openids.length, total: page.total };
          await ctx.progressWith(async (trx) => {
            await sql`insert into ${sql.table(snapshot)} (openid) select unnest(${page.openids}::text[]) on conflict do nothing`.execute(trx);
            return { phase: 'listing', done: next.listed, total: Math.max(page.total, next.listed), state: next };
          });
          Object.assign(state, next);
          progressed();
        }
        return 'listed';
      } catch (error) {
        if (state.cursor && isWechatApiError(error, 'invalid_openid')) return 'stale_cursor';
        throw error;
      }
    },
    ctx.settings.retry,
    {
      signal: ctx.signal,
      onRetry: (error, attempt, waitMs) =>
        ctx.logger.warn({ err: (error as Error).message, attempt, waitMs }, 'user/get: transient failure, continuing from the saved cursor'),
    },
  );
}
