import { sql, type Kysely } from 'kysely';
import { ProjectionsForJobs } from '../../../projections/query/projectionsForJobs.ts';
import { JobTables } from '../store/jobTables.ts';
import type { ConversionParams } from './conversionParams.ts';

export type Collected = { openids: number; fromLedger: number; fromList: number; alreadyConverted: number };

/**
 * The openids to convert, numbered in the job's items table: the list given with the job
 * (already there), plus the old account's followers from the follow state — or, with `all`,
 * every openid of it the identity links know (OAuth users too). Openids the identity links
 * already show converted to the new account (an earlier job) are left out.
 */
export async function collectOpenids(trx: Kysely<any>, jobId: string, params: ConversionParams): Promise<Collected> {
  const items = sql.table(JobTables.items(jobId));
  await JobTables.createItems(trx, jobId);
  const fromList = await JobTables.count(trx, JobTables.items(jobId));
  const source = params.all ? await ProjectionsForJobs.knownOpenids(trx, params.oldAppid) : await ProjectionsForJobs.followers(trx, params.oldAppid);
  await sql`
    insert into ${items} (seq, openid, action)
    select ${fromList} + row_number() over (order by openid), openid, 'ledger' from (${source}) known
    on conflict (openid) do nothing`.execute(trx);
  const afterLedger = await JobTables.count(trx, JobTables.items(jobId));
  const converted = await ProjectionsForJobs.convertedOpenids(trx, params.oldAppid, params.toAppid);
  await sql`delete from ${items} i using (${converted}) c where c.openid = i.openid`.execute(trx);
  const openids = await JobTables.count(trx, JobTables.items(jobId));
  return { openids, fromLedger: afterLedger - fromList, fromList, alreadyConverted: afterLedger - openids };
}
