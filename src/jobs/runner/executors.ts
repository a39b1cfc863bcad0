import type { JobKind } from '../job.ts';
import { backfillUnionids } from '../backfill/backfillUnionids.ts';
import { convertOpenids } from '../convert/convertOpenids.ts';
import { reconcileFollowers } from '../reconcile/reconcileFollowers.ts';
import type { JobExecutor } from './jobContext.ts';

/** The code behind each job kind: adding a kind is one module and one line here. */
export const EXECUTORS: Record<JobKind, JobExecutor> = {
  reconciliation: reconcileFollowers,
  'unionid-backfill': backfillUnionids,
  'openid-conversion': convertOpenids,
};
