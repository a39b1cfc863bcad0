import { JobStoppedError } from '../jobErrors.ts';
import type { JobContext, JobExecutor } from '../runner/jobContext.ts';
import { JobTables } from '../store/jobTables.ts';
import { applyCorrections } from './applyCorrections.ts';
import { diffFollowers } from './diffFollowers.ts';
import { snapshotFollowers } from './snapshotFollowers.ts';
import { reconciliationCompleted } from './reconciliationEvents.ts';
import { ReconcileState } from './reconcileState.ts';

/**
 * Reconciliation (shared/DESIGN.md §1): the follower list WeChat has against the follow state,
 * in phases that each resume where they stopped —
 * listing (user/get into a snapshot table) → diffing (SQL, once the follow state has folded
 * everything before the pass) → applying (corrective events, unionids of new followers) →
 * `reconciliation.completed`.
 */
export const reconcileFollowers: JobExecutor = async (ctx) => {
  const { job, service } = ctx;
  const client = service.wechat(job.appid);
  if (!client) throw new JobStoppedError('unknown_appid', `${job.appid} is no longer a configured account`);
  const db = service.storage.db;
  let phase = job.phase;
  let state = job.state as unknown as ReconcileState;

  if (phase === 'queued' || !state.startedAt) {
    state = await startPass(ctx, undefined);
    phase = 'listing';
  }
  if (phase === 'listing') {
    // An unlogged snapshot is emptied by a PostgreSQL crash: then the listing starts over.
    if (state.listed > 0 && (await JobTables.count(db, JobTables.snapshot(job.id))) <= 0) {
      ctx.logger.warn('the follower snapshot was lost (database restart); listing again');
      state = await startPass(ctx, state);
    }
    let shortListings = 0;
    for (;;) {
      if ((await snapshotFollowers(ctx, client, state)) === 'stale_cursor') {
        ctx.logger.warn('WeChat no longer accepts the saved cursor; listing again');
        state = await startPass(ctx, state);
        continue;
      }
      if (!listingLooksShort(state)) break;
      // Unfollows are inferred from what is missing: a list that ended early would unfollow everyone after it.
      if (++shortListings >= 2) {
        throw new JobStoppedError(
          'incomplete_listing',
          `WeChat's follower list ended at ${state.listed} openids while it reported ${state.total} followers, twice; no unfollows were inferred. Resume to list again.`,
        );
      }
      ctx.logger.warn({ listed: state.listed, total: state.total }, 'the follower list ended well short of its total; listing again');
      state = await startPass(ctx, state);
    }
    phase = 'diffing';
    await ctx.progress({ phase, state });
  }
  if (phase === 'diffing') {
    await ctx.waitForProjections(state.headAtStart);
    await ctx.progressWith(async (trx) => {
      const diff = await diffFollowers(trx, job.id, job.appid, state.startedAt);
      await JobTables.dropSnapshot(trx, job.id);
      state = { ...state, ...diff, applied: 0 };
      return { phase: 'applying', done: 0, total: diff.added + diff.removed, state };
    });
    phase = 'applying';
  }
  if (phase === 'applying') {
    await applyCorrections(ctx, client, state);
    phase = 'completing';
    await ctx.progress({ phase, state });
  }
  const { followers, added, removed, startedAt } = state;
  const completed = await ctx.retry('ledger append', () =>
    service.ledger.append([reconciliationCompleted(job.id, { appid: job.appid, followers, added, removed, startedAt })]),
  );
  await JobTables.drop(db, job.id);
  return {
    followers,
    added,
    removed,
    startedAt,
    unionidsResolved: state.unionidsResolved,
    unionidsMissing: state.unionidsMissing,
    passes: state.pass,
    completedPosition: completed.events[0]!.position,
  };
};

/** Fewer openids than WeChat's own total, beyond what people coming and going during the pass explain. */
function listingLooksShort(state: ReconcileState): boolean {
  return state.total !== null && state.listed < state.total - Math.max(100, state.total * 0.01);
}

/** A new listing: its start time and the ledger head then, and an empty snapshot. */
async function startPass(ctx: JobContext, previous: ReconcileState | undefined): Promise<ReconcileState> {
  const head = await ctx.service.ledger.head();
  const state = ReconcileState.newPass(previous, new Date(), head);
  await ctx.progressWith(async (trx) => {
    await JobTables.dropSnapshot(trx, ctx.job.id);
    await JobTables.createSnapshot(trx, ctx.job.id);
    return { phase: 'listing', done: 0, total: null, state };
  });
  return state;
}
