import { sql, type Kysely } from 'kysely';

/**
 * A job's work lists live in tables of their own, named after the job, so that a million rows
 * are written without a job_id column to index and are gone with one DROP when the job is done.
 *
 * - snapshot: what a reconciliation read from `user/get`. UNLOGGED: fast to fill, and a crash of
 *   PostgreSQL empties it, which the job detects (row count ≠ saved count) and relists.
 * - items: the ordered work of the job (openids to convert, corrections to append), processed by
 *   `seq` with the cursor in the job's state. Logged: it may hold the only copy of an input file.
 */
export const JobTables = {
  snapshot: (jobId: string) => `job_snapshot_${hex(jobId)}`,
  items: (jobId: string) => `job_items_${hex(jobId)}`,

  async createSnapshot(db: Kysely<any>, jobId: string): Promise<void> {
    await sql`create unlogged table if not exists ${sql.table(JobTables.snapshot(jobId))} (openid text collate "C" primary key)`.execute(db);
  },

  async createItems(db: Kysely<any>, jobId: string): Promise<void> {
    await sql`
      create table if not exists ${sql.table(JobTables.items(jobId))} (
        seq integer primary key,
        openid text collate "C" not null unique,
        action text not null
      )`.execute(db);
  },

  async exists(db: Kysely<any>, table: string): Promise<boolean> {
    const result = await sql<{ found: string | null }>`select to_regclass(${table})::text as found`.execute(db);
    return result.rows[0]?.found != null;
  },

  async count(db: Kysely<any>, table: string): Promise<number> {
    if (!(await JobTables.exists(db, table))) return -1;
    const result = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)}`.execute(db);
    return Number(result.rows[0]?.n ?? 0);
  },

  async dropSnapshot(db: Kysely<any>, jobId: string): Promise<void> {
    await sql`drop table if exists ${sql.table(JobTables.snapshot(jobId))}`.execute(db);
  },

  async drop(db: Kysely<any>, jobId: string): Promise<void> {
    await sql`drop table if exists ${sql.table(JobTables.snapshot(jobId))}`.execute(db);
    await sql`drop table if exists ${sql.table(JobTables.items(jobId))}`.execute(db);
  },
};

export type JobItem = { seq: number; openid: string; action: string };

/** Up to `limit` items after `afterSeq`, in order. */
export async function readJobItems(db: Kysely<any>, jobId: string, afterSeq: number, limit: number): Promise<JobItem[]> {
  const result = await sql<{ seq: number; openid: string; action: string }>`
    select seq, openid, action from ${sql.table(JobTables.items(jobId))} where seq > ${afterSeq} order by seq limit ${limit}`.execute(db);
  return result.rows.map((row) => ({ seq: Number(row.seq), openid: row.openid, action: row.action }));
}

/**
 * Every chunk of `size` items after `afterSeq`, read lazily a page of at least 1,000 items at a
 * time (keyset paged), so 100-item chunks do not cost a query each.
 */
export async function* jobItemChunks(db: Kysely<any>, jobId: string, afterSeq: number, size: number): AsyncGenerator<JobItem[]> {
  const pageSize = Math.max(size, Math.ceil(1000 / size) * size);
  let after = afterSeq;
  for (;;) {
    const page = await readJobItems(db, jobId, after, pageSize);
    for (let i = 0; i < page.length; i += size) yield page.slice(i, i + size);
    if (page.length < pageSize) return;
    after = page[page.length - 1]!.seq;
  }
}

function hex(jobId: string): string {
  const hexId = jobId.replaceAll('-', '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hexId)) throw new RangeError(`not a job id: ${jobId}`);
  return hexId;
}
