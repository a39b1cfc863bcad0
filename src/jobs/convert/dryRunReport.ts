import { CHANGEOPENID_LIMIT, type OpenidConversion } from '../../wechat/api/migration.ts';
import type { JobContext } from '../runner/jobContext.ts';
import { JobTables } from '../store/jobTables.ts';
import type { ConversionParams, ConversionState } from './conversionParams.ts';
import { migrationWindow } from './migrationWindow.ts';

/** What a dry run found: the openids it would convert, the calls that takes at the configured rate, the probe's answers. Nothing is appended. */
export async function dryRunReport(ctx: JobContext, params: ConversionParams, state: ConversionState, probe: OpenidConversion[]): Promise<Record<string, unknown>> {
  await JobTables.drop(ctx.service.storage.db, ctx.job.id);
  const calls = Math.ceil(state.openids / CHANGEOPENID_LIMIT);
  const window = migrationWindow(ctx.service.accounts.get(params.toAppid)?.migratedFrom?.migratedAt, new Date());
  await ctx.progress({ phase: 'dry run', done: state.openids, total: state.openids });
  return {
    dryRun: true,
    fromAppid: params.oldAppid,
    toAppid: params.toAppid,
    fromAppidSent: state.fromParam,
    openids: state.openids,
    fromLedger: state.fromLedger,
    fromList: state.fromList,
    alreadyConverted: state.alreadyConverted,
    calls,
    estimatedSeconds: Math.ceil(calls / ctx.service.config.wechat.callsPerSecond),
    probe: { checked: probe.length, convertible: probe.filter((r) => r.ok).length, refused: probe.filter((r) => !r.ok).length },
    window,
  };
}
