import { sql } from 'kysely';
import { ProjectionsForJobs } from '../../../projections/query/projectionsForJobs.ts';
import { unionidResolved } from '../../commands/unionidResolved.ts';
import { lookupUnionids } from '../../wechat/api/lookupUnionids.ts';
import { JobStoppedError } from '../jobErrors.ts';
import type { JobExecutor } from '../runner/jobContext.ts';
import { forEachInOrder } from '../runner/forEachInOrder.ts';
import { jobItemChunks, JobTables } from '../store/jobTables.ts';

type BackfillState = { openids: number; applied: number; resolved: number; unresolved: number };

const CHUNK = 1000;

/**
 * Unionid backfill: every openid of the account the identity links know without a unionid
 * (followers from before the integration, lookups lost to a crash or a full queue) is asked of
 * `user/info/batchget`, 100 a call; each answer with a unionid becomes `unionid.resolved`
 * (via batchget). Openids WeChat has no unionid for (unfollowed, unknown) are counted unresolved.
 */
export const backfillUnionids: JobExecutor = async (ctx) => {
  const { job, service } = ctx;
  const client = service.wechat(job.appid);
  if (!client) throw new JobStoppedError('unknown_appid', `${job.appid} is no longer a configured account`);
  const db = service.storage.db;
  let state = job.state as unknown as BackfillState;

  if (job.phase === 'queued' || job.phase === 'collecting') {
    await ctx.progress({ phase: 'collecting', done: 0, total: null });
    await ctx.waitForProjections(await service.ledger.head());
    await ctx.progressWith(async (trx) => {
      const pending = await ProjectionsForJobs.openidsWithoutUnionid(trx, job.appid);
      await JobTables.drop(trx, job.id);
      await JobTables.createItems(trx, job.id);
      await sql`
        insert into ${sql.table(JobTables.items(job.id))} (seq, openid, action)
        select row_number() over (order by openid), openid, 'lookup' from (${pending}) pending`.execute(trx);
      state = { openids: await JobTables.count(trx, JobTables.items(job.id)), applied: 0, resolved: 0, unresolved: 0 };
      return { phase: 'looking up', done: 0, total: state.openids, state };
    });
  }

  await forEachInOrder(
    jobItemChunks(db, job.id, state.applied, CHUNK),
    { concurrency: Math.max(1, Math.ceil(ctx.settings.callConcurrency / (CHUNK / 100))), signal: ctx.signal },
    async (items) => {
      const lookups = await lookupUnionids(client.user, items.map((item) => item.openid), (api, call) => ctx.retry(api, call));
      const events = lookups.flatMap(({ openid, unionid }) =>
        unionid ? [unionidResolved('backfill', { appid: job.appid, openid, unionid, via: 'batchget' }, { correlationId: job.id })] : [],
      );
      if (events.length > 0) await ctx.retry('ledger append', () => service.ledger.append(events));
      return events.length;
    },
    async (items, resolved) => {
      state = {
        ...state,
        applied: items[items.length - 1]!.seq,
        resolved: state.resolved + resolved,
        unresolved: state.unresolved + items.length - resolved,
      };
      await ctx.progress({ phase: 'looking up', done: state.applied, total: state.openids, state });
    },
  );
  await JobTables.drop(db, job.id);
  return { openids: state.openids, resolved: state.resolved, unresolved: state.unresolved };
};
