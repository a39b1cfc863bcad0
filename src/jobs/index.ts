/**
 * The long-running jobs (shared/DESIGN.md §8 `jobs/`): follower reconciliation, unionid
 * backfill, openid conversion. The service wires `startJobRunner` (with the projections, which
 * the jobs read); the HTTP routes (src/http/jobRoutes.ts) call these; the CLI runs jobs in its own
 * process.
 */
export { startJobRunner, type JobRunner, type JobRunnerOptions } from './runner/startJobRunner.ts';
export { jobSettings, type JobSettings } from './jobSettings.ts';
export { requestReconciliation, type RequestedJob } from './requestReconciliation.ts';
export { requestUnionidBackfill } from './requestUnionidBackfill.ts';
export { requestConversion, type ConversionRequest } from './requestConversion.ts';
export { runJobHere } from './runner/runJobHere.ts';
export { getJob, listJobs } from './store/readJobs.ts';
export { requeueJob } from './store/requeueJob.ts';
export { jobView, type JobView } from './jobView.ts';
export type { Job, JobKind, JobStatus } from './job.ts';
