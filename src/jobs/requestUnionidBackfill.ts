import type { Service } from '../createService.ts';
import { JobRefusal } from './jobErrors.ts';
import type { JobRequestOptions, RequestedJob } from './requestReconciliation.ts';
import { createJob } from './store/createJob.ts';

/** `backfill-unionids <appid>` / `POST /v1/accounts/:appid/unionid-backfills`: unionids for the account's openids that lack one. */
export async function requestUnionidBackfill(service: Service, appid: string, options: JobRequestOptions = {}): Promise<RequestedJob> {
  const account = service.accounts.get(appid);
  if (!account) throw JobRefusal.unknownAccount(appid);
  if (account.kind !== 'oa') throw JobRefusal.notOfficialAccount(appid, 'the unionid backfill (user/info/batchget)');
  const job = await createJob(service.storage, { kind: 'unionid-backfill', appid, params: {}, ...options });
  return { job, warnings: [] };
}
