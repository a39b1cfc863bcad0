import { CHANGEOPENID_LIMIT } from '../../wechat/api/migration.ts';
import { JobConflictError, JobStoppedError } from '../jobErrors.ts';
import type { JobContext, JobExecutor } from '../runner/jobContext.ts';
import { forEachInOrder } from '../runner/forEachInOrder.ts';
import { readJobItems, jobItemChunks, JobTables } from '../store/jobTables.ts';
import { requestUnionidBackfill } from '../requestUnionidBackfill.ts';
import { collectOpenids } from './collectOpenids.ts';
import { conversionEvent } from './conversionEvents.ts';
import { convertChunk } from './convertChunk.ts';
import { dryRunReport } from './dryRunReport.ts';
import { findFromParam } from './findFromParam.ts';
import { recordedFrontier } from './recordedConversions.ts';
import type { ConversionParams, ConversionState } from './conversionParams.ts';
import { migrationWindow, windowRefusal } from './migrationWindow.ts';

/** Progress is saved at most this often: at hundreds of calls a second, not after every one. */
const SAVE_EVERY_MS = 250;

/**
 * Openid conversion after an account migration (shared/DESIGN.md §1): collect the old account's
 * openids, find the `from_appid` form WeChat accepts, then `changeopenid` (new account's token)
 * 100 a call with several calls in flight — the client's rate limiter sets the pace — and one
 * `openid.converted` or `openid.conversion_failed` per openid. 63178 stops the job.
 */
export const convertOpenids: JobExecutor = async (ctx) => {
  const { job, service } = ctx;
  const params = job.params as unknown as ConversionParams;
  const client = service.wechat(params.toAppid);
  if (!client) throw new JobStoppedError('unknown_appid', `${params.toAppid} is no longer a configured account`);
  const refusal = windowRefusal(migrationWindow(service.accounts.get(params.toAppid)?.migratedFrom?.migratedAt, new Date()), params.toAppid);
  if (refusal) throw new JobStoppedError('outside_migration_window', refusal);
  const db = service.storage.db;
  let state = job.state as unknown as ConversionState;

  if (job.phase === 'queued' || job.phase === 'collecting') {
    await ctx.progress({ phase: 'collecting', done: 0, total: null });
    await ctx.waitForProjections(await service.ledger.head());
    await ctx.progressWith(async (trx) => {
      const collected = await collectOpenids(trx, job.id, params);
      state = { ...collected, fromParam: null, applied: 0, converted: 0, failed: 0, reasons: {} };
      return { phase: 'converting', done: 0, total: collected.openids, state };
    });
  }

  if (!state.fromParam) {
    const probe = await readJobItems(db, job.id, 0, CHANGEOPENID_LIMIT);
    const found = await findFromParam(ctx, client, params, probe.map((item) => item.openid));
    state = { ...state, fromParam: found.fromParam };
    if (params.dryRun) return dryRunReport(ctx, params, state, found.results);
    // The probe's answers are real conversions: recorded now, the first chunk finds them and skips its call.
    const events = found.results.map((result) => conversionEvent(job.id, params.oldAppid, params.toAppid, result));
    if (events.length > 0) await ctx.retry('ledger append', () => service.ledger.append(events));
    await ctx.progress({ state });
  }

  const fromParam = state.fromParam!;
  // Past the saved cursor a previous run may have recorded chunks that were in flight (and the
  // probe's): find how far, so only those chunks are checked before calling WeChat again.
  const frontier = await recordedFrontier(db, service.ledger, job.id, state.applied, CHANGEOPENID_LIMIT, Math.max(64, ctx.settings.callConcurrency * 4));
  let savedAt = 0;
  await forEachInOrder(
    jobItemChunks(db, job.id, state.applied, CHANGEOPENID_LIMIT),
    { concurrency: ctx.settings.callConcurrency, signal: ctx.signal },
    (items) => convertChunk(ctx, client, params, fromParam, items, items[0]!.seq <= frontier),
    async (items, tally) => {
      state = { ...state, applied: items[items.length - 1]!.seq, converted: state.converted + tally.converted, failed: state.failed + tally.failed.length };
      for (const reason of tally.failed) state.reasons[reason] = (state.reasons[reason] ?? 0) + 1;
      const now = performance.now();
      if (now - savedAt < SAVE_EVERY_MS) return;
      savedAt = now;
      await ctx.progress({ phase: 'converting', done: state.converted + state.failed, total: state.openids, state });
    },
  );
  await ctx.progress({ phase: 'converting', done: state.converted + state.failed, total: state.openids, state });
  await JobTables.drop(db, job.id);

  const result: Record<string, unknown> = {
    dryRun: false,
    fromAppid: params.oldAppid,
    toAppid: params.toAppid,
    fromAppidSent: fromParam,
    openids: state.openids,
    fromLedger: state.fromLedger,
    fromList: state.fromList,
    alreadyConverted: state.alreadyConverted,
    converted: state.converted,
    failed: state.failed,
    reasons: state.reasons,
  };
  if (params.backfill) result.backfillJobId = await queueBackfill(ctx, params.toAppid);
  return result;
};

async function queueBackfill(ctx: JobContext, appid: string): Promise<string> {
  try {
    const { job } = await requestUnionidBackfill(ctx.service, appid);
    return job.id;
  } catch (error) {
    // One is already unfinished for the new account: that one is the follow-up.
    if (error instanceof JobConflictError) return error.existingJobId;
    throw error;
  }
}
