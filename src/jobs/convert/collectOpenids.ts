import { sql, type Kysely } from 'kysely';
import { activeTableName } from '../../../projections/store/activeTable.ts';
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
  const links = sql.table(await activeTableName(trx, 'identity-links'));
  await JobTables.createItems(trx, jobId);
  const fromList = await JobTables.count(trx, JobTables.items(jobId));
  const source = params.all
    ? sql`select openid from ${links} where appid = ${params.oldAppid}`
    : sql`select openid from ${sql.table(await activeTableName(trx, 'follow-state'))} where appid = ${params.oldAppid} and subscribed`;
  await sql`
    insert into ${items} (seq, openid, action)
    select ${fromList} + row_number() over (order by openid), openid, 'ledger' from (${source}) known
    on conflict (openid) do nothing`.execute(trx);
  const afterLedger = await JobTables.count(trx, JobTables.items(jobId));
  await sql`
    delete from ${items} i using ${links} l
    where l.appid = ${params.oldAppid} and l.openid = i.openid and l.converted_to_appid = ${params.toAppid}`.execute(trx);
  const openids = await JobTables.count(trx, JobTables.items(jobId));
  return { openids, fromLedger: afterLedger - fromList, fromList, alreadyConverted: afterLedger - openids };
}
