import type { Service } from '../createService.ts';
import type { Job } from './job.ts';
import { JobRefusal } from './jobErrors.ts';
import { createJob } from './store/createJob.ts';

export type JobRequestOptions = { claimBy?: { owner: string; leaseMs: number } };
export type RequestedJob = { job: Job; warnings: string[] };

/** `reconcile <appid>` / `POST /v1/accounts/:appid/reconciliations`: an Official Account's follower list against the follow state. */
export async function requestReconciliation(service: Service, appid: string, options: JobRequestOptions = {}): Promise<RequestedJob> {
  const account = service.accounts.get(appid);
  if (!account) throw JobRefusal.unknownAccount(appid);
  if (account.kind !== 'oa') throw JobRefusal.notOfficialAccount(appid, 'reconciliation (user/get)');
  const job = await createJob(service.storage, { kind: 'reconciliation', appid, params: {}, ...options });
  return { job, warnings: [] };
}
