import { sql, type Kysely } from 'kysely';
import type { Storage } from '../../ledger/openStorage.ts';

/** NOTIFY channel that wakes job runners in other processes when a job becomes claimable. */
export const JOBS_CHANNEL = 'identity_ledger_jobs';
/** The same signal inside this process (PGlite has no cross-process NOTIFY). */
export const LOCAL_WAKE = 'jobs:wake';

/** Inside the transaction that made a job claimable: delivered to listeners on commit. */
export async function notifyJobs(trx: Kysely<any>, jobId: string): Promise<void> {
  await sql`select pg_notify(${JOBS_CHANNEL}, ${jobId})`.execute(trx);
}

export function wakeLocalRunners(storage: Storage): void {
  storage.local.emit(LOCAL_WAKE);
}
