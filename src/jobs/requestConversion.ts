import { sql, type Kysely } from 'kysely';
import type { Service } from '../createService.ts';
import type { ConversionParams } from './convert/conversionParams.ts';
import { migrationWindow, windowRefusal } from './convert/migrationWindow.ts';
import { resolveMigration } from './convert/resolveMigration.ts';
import { JobRefusal } from './jobErrors.ts';
import type { JobRequestOptions, RequestedJob } from './requestReconciliation.ts';
import { createJob } from './store/createJob.ts';
import { JobTables } from './store/jobTables.ts';

export type ConversionRequest = {
  fromAppid: string;
  toAppid: string;
  dryRun?: boolean;
  all?: boolean;
  backfill?: boolean;
  /** Openids captured from the old account before it was frozen (e.g. a file, one per line). */
  openids?: AsyncIterable<string> | Iterable<string>;
};

const OPENID = /^[A-Za-z0-9_-]{1,128}$/;
const INSERT_BATCH = 10_000;

/**
 * `convert-openids` / `POST /v1/migrations`: checks the request before anything runs — the new
 * account is a configured OA, the old one is known, the 15-day window is open (refused outside
 * it, a warning when no migration date is configured) — and stores the given openids with the job.
 */
export async function requestConversion(service: Service, request: ConversionRequest, options: JobRequestOptions = {}): Promise<RequestedJob> {
  const to = service.accounts.get(request.toAppid);
  if (!to) throw JobRefusal.unknownAccount(request.toAppid);
  if (to.kind !== 'oa') throw JobRefusal.notOfficialAccount(request.toAppid, 'changeopenid');
  const sides = resolveMigration(service.config.accounts, to, request.fromAppid);
  if (!sides.ok) throw JobRefusal.invalid(sides.code, sides.message);

  const warnings: string[] = [];
  const window = migrationWindow(to.migratedFrom?.migratedAt, new Date());
  const refusal = windowRefusal(window, to.appid);
  if (refusal) throw JobRefusal.invalid('outside_migration_window', refusal);
  if (window.status === 'unknown') {
    warnings.push(
      `no migration date is configured for ${to.appid} (migratedFrom.migratedAt): WeChat converts openids only for 15 days after the migration; ` +
        `a 63178 answer will stop the job if it is too late`,
    );
  }

  const params: ConversionParams = {
    fromAppid: request.fromAppid,
    oldAppid: sides.oldAppid,
    toAppid: to.appid,
    fromCandidates: sides.fromCandidates,
    dryRun: request.dryRun ?? false,
    all: request.all ?? false,
    backfill: request.backfill ?? false,
    listed: 0,
  };
  const openids = request.openids;
  const job = await createJob(service.storage, {
    kind: 'openid-conversion',
    appid: to.appid,
    params,
    ...options,
    ...(openids ? { prepare: async (trx: Kysely<any>, jobId: string) => ({ listed: await storeOpenids(trx, jobId, openids) }) } : {}),
  });
  return { job, warnings };
}

/** Numbers the given openids 1…n in the job's items table (duplicates dropped), in batches. */
async function storeOpenids(trx: Kysely<any>, jobId: string, openids: AsyncIterable<string> | Iterable<string>): Promise<number> {
  await JobTables.createItems(trx, jobId);
  const table = sql.table(JobTables.items(jobId));
  let batch: string[] = [];
  let seq = 0;
  let line = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await sql`
      insert into ${table} (seq, openid, action)
      select ${seq} + ordinality, openid, 'listed' from unnest(${batch}::text[]) with ordinality as given(openid, ordinality)
      on conflict (openid) do nothing`.execute(trx);
    seq += batch.length;
    batch = [];
  };
  for await (const raw of openids) {
    line++;
    const openid = raw.trim();
    if (openid === '' || openid.startsWith('#')) continue;
    if (!OPENID.test(openid)) throw JobRefusal.invalid('invalid_openid_list', `line ${line}: not an openid: ${JSON.stringify(openid.slice(0, 40))}`);
    batch.push(openid);
    if (batch.length >= INSERT_BATCH) await flush();
  }
  await flush();
  return JobTables.count(trx, JobTables.items(jobId));
}
