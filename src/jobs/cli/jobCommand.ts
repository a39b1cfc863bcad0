import type { Config } from '../../config/schema.ts';
import { createService, type Service } from '../../createService.ts';
import { createLogger } from '../../observability/logger.ts';
import type { Job } from '../job.ts';
import { JobKind, JobStatus } from '../job.ts';
import { jobSettings, type JobSettings } from '../jobSettings.ts';
import type { ProjectionsGate } from '../runner/jobContext.ts';
import { jobView } from '../jobView.ts';
import { requestConversion } from '../requestConversion.ts';
import { requestReconciliation, type JobRequestOptions, type RequestedJob } from '../requestReconciliation.ts';
import { requestUnionidBackfill } from '../requestUnionidBackfill.ts';
import { newJobOwner } from '../runner/jobOwner.ts';
import { runJobHere } from '../runner/runJobHere.ts';
import { getJob, listJobs } from '../store/readJobs.ts';
import { requeueJob } from '../store/requeueJob.ts';
import { createProgressReporter, duration } from './progressReporter.ts';
import { readOpenidsFile } from './readOpenidsFile.ts';
import { closestMatch } from '../../commandLine/closestMatch.ts';
import { EXIT_CODES } from '../../commandLine/commandSpecs.ts';
import { UsageError, type CommandArgs } from '../../commandLine/parseCommandArgs.ts';

/** Exit codes (commandLine/commandSpecs.ts): 0 done, 2 failed, 3 paused (45009), 130 interrupted (resumable). */
const EXIT = { done: EXIT_CODES.ok, failed: EXIT_CODES.failed, paused: EXIT_CODES.paused, interrupted: EXIT_CODES.interrupted } as const;

/**
 * The job commands of `identity-ledger`. A job runs in this process (a live progress bar on a
 * terminal, plain lines otherwise) unless `--detach`, which only queues it for a running service.
 * Ctrl-C hands the job back unfinished: `resume <id>` (or any service instance) continues it.
 */
export async function jobCommand(command: string, args: CommandArgs, config: Config): Promise<number> {
  const { positionals } = args;
  const text = args.text;
  const flag = args.flag;
  const json = flag('json');
  // Checked before anything starts: a typo must not run a job on (or list) some other account.
  if (command === 'reconcile' || command === 'backfill-unionids') requireConfigured(config, positionals[0]!, `${command} <appid>`);
  if (command === 'convert-openids') {
    requireConfigured(config, required(text('to'), 'convert-openids --from <old appid> --to <new appid>'), '--to');
    required(text('from'), 'convert-openids --from <old appid> --to <new appid>');
  }
  if (command === 'jobs' && text('appid') !== undefined) requireConfigured(config, text('appid')!, '--appid');
  const service = await createService(config, {
    background: false,
    logger: createLogger({ level: process.env.LOG_LEVEL ?? 'warn', destination: process.stderr }),
  });
  try {
    if (command === 'jobs') return await showJobs(service, positionals[0], { kind: text('kind'), appid: text('appid'), status: text('status'), limit: text('limit') }, json);
    const request = async (options: JobRequestOptions): Promise<RequestedJob> => {
      switch (command) {
        case 'reconcile':
          return requestReconciliation(service, required(positionals[0], 'reconcile <appid>'), options);
        case 'backfill-unionids':
          return requestUnionidBackfill(service, required(positionals[0], 'backfill-unionids <appid>'), options);
        case 'convert-openids': {
          const file = text('openids-file');
          return requestConversion(
            service,
            {
              fromAppid: required(text('from'), 'convert-openids --from <old appid> --to <new appid>'),
              toAppid: required(text('to'), 'convert-openids --from <old appid> --to <new appid>'),
              dryRun: flag('dry-run'),
              all: flag('all'),
              backfill: flag('backfill'),
              ...(file ? { openids: await readOpenidsFile(file) } : {}),
            },
            options,
          );
        }
        case 'resume':
          return { job: await requeueJob(service.storage, required(positionals[0], 'resume <job id>')), warnings: [] };
        default:
          throw new Error(`not a job command: ${command}`);
      }
    };
    return await runHere(service, request, { detach: flag('detach'), resume: command === 'resume', json });
  } catch (error) {
    if ((error as { code?: unknown }).code && (error as { status?: unknown }).status) {
      console.error(`${command}: ${(error as Error).message}`);
      return 1;
    }
    throw error;
  } finally {
    await service.close();
  }
}

async function runHere(service: Service, request: (options: JobRequestOptions) => Promise<RequestedJob>, options: { detach: boolean; resume: boolean; json: boolean }): Promise<number> {
  const settings = jobSettings();
  const owner = newJobOwner();
  const { job, warnings } = await request(options.detach || options.resume ? {} : { claimBy: { owner, leaseMs: settings.leaseMs } });
  for (const warning of warnings) console.error(`warning: ${warning}`);
  if (options.detach) {
    console.log(options.json ? JSON.stringify({ jobId: job.id, warnings }, null, 2) : job.id);
    console.error(`queued ${job.kind} job ${job.id} for ${job.appid}; a running service works on it (GET /v1/jobs/${job.id})`);
    return 0;
  }
  console.error(`${options.resume ? 'resuming' : 'running'} ${job.kind} job ${job.id} for ${job.appid}`);

  // A one-shot service runs no background work; the jobs need the projections folded, so this
  // process folds them (or, when a service instance leads them, follows its checkpoints).
  const projections = service.projections.start();
  const controller = new AbortController();
  const interrupt = () => controller.abort(new Error('interrupted'));
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    let code = await runOne(service, job.id, { projections, settings, owner, signal: controller.signal, json: options.json });
    const done = await getJob(service.storage.db, job.id);
    const followUp = done?.status === 'done' ? (done.result?.backfillJobId as string | undefined) : undefined;
    if (followUp && code === EXIT.done) {
      console.error(`running the follow-up unionid backfill ${followUp}`);
      code = await runOne(service, followUp, { projections, settings, owner: newJobOwner(), signal: controller.signal, json: options.json });
    } else if (done?.kind === 'openid-conversion' && done.status === 'done' && done.result?.dryRun === false) {
      console.error(`next: identity-ledger backfill-unionids ${done.appid}   # unionids for the converted openids that lack one (or pass --backfill)`);
    }
    return code;
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  }
}

async function runOne(
  service: Service,
  jobId: string,
  options: { projections: ProjectionsGate; settings: JobSettings; owner: string; signal: AbortSignal; json: boolean },
): Promise<number> {
  const reporter = createProgressReporter(process.stderr);
  let left: Job;
  try {
    left = await runJobHere(service, { jobId, ...options, onProgress: reporter.update, onWaiting: reporter.waiting });
  } catch (error) {
    reporter.end();
    if (options.signal.aborted) {
      console.error(`interrupted; continue with: identity-ledger resume ${jobId}`);
      if (options.json) {
        const job = await getJob(service.storage.db, jobId);
        if (job) console.log(JSON.stringify(jobView(job), null, 2));
      }
      return EXIT.interrupted;
    }
    throw error;
  }
  reporter.end();
  return report(left, options.json);
}

function report(job: Job, json: boolean): number {
  const view = jobView(job);
  // One JSON document on stdout whatever the outcome; the exit code says which.
  if (json) console.log(JSON.stringify(view, null, 2));
  switch (job.status) {
    case 'done':
      if (!json) console.log(JSON.stringify({ id: job.id, kind: job.kind, appid: job.appid, status: job.status, result: job.result }, null, 2));
      return EXIT.done;
    case 'paused':
      console.error(`job ${job.id} is paused: ${job.error?.message ?? ''}`);
      if (view.resumeAt) console.error(`it continues by itself at ${view.resumeAt} on a running service, or: identity-ledger resume ${job.id}`);
      return EXIT.paused;
    case 'failed':
      console.error(`job ${job.id} failed (${job.error?.code ?? '?'}): ${job.error?.message ?? ''}`);
      return EXIT.failed;
    default:
      console.error(`interrupted; job ${job.id} is ${job.status} at ${job.phase} ${job.progress.done}/${job.progress.total ?? '?'}; continue with: identity-ledger resume ${job.id}`);
      return EXIT.interrupted;
  }
}

async function showJobs(service: Service, id: string | undefined, filter: { kind?: string | undefined; appid?: string | undefined; status?: string | undefined; limit?: string | undefined }, json: boolean): Promise<number> {
  if (id) {
    const job = await getJob(service.storage.db, id);
    if (!job) {
      console.error(`no job ${id}`);
      return 1;
    }
    console.log(JSON.stringify(jobView(job), null, 2));
    return 0;
  }
  const kind = filter.kind === undefined ? undefined : JobKind.safeParse(filter.kind);
  const status = filter.status === undefined ? undefined : JobStatus.safeParse(filter.status);
  const limit = filter.limit === undefined ? 20 : Number(filter.limit);
  if (kind?.success === false || status?.success === false) throw new UsageError(`jobs: --kind ${JobKind.options.join('|')}, --status ${JobStatus.options.join('|')}`);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new UsageError(`jobs: --limit must be a whole number from 1 to 500, not ${filter.limit}`);
  const jobs = await listJobs(service.storage.db, {
    ...(kind?.data ? { kind: kind.data } : {}),
    ...(filter.appid ? { appid: filter.appid } : {}),
    ...(status?.data ? { status: status.data } : {}),
    limit,
  });
  if (json) {
    console.log(JSON.stringify({ jobs: jobs.map((job) => jobView(job)) }, null, 2));
    return 0;
  }
  if (jobs.length === 0) {
    console.log('no jobs');
    return 0;
  }
  const rows = jobs.map((job) => {
    const view = jobView(job);
    const { done, total } = view.progress;
    return [
      job.id,
      job.kind,
      job.appid,
      job.status,
      job.phase,
      total === null ? String(done) : `${done}/${total}`,
      view.rate === null ? '' : `${Math.round(view.rate)}/s`,
      view.etaSeconds === null ? '' : duration(view.etaSeconds),
      job.updatedAt.replace('T', ' ').slice(0, 19),
    ];
  });
  const header = ['id', 'kind', 'appid', 'status', 'phase', 'progress', 'rate', 'eta', 'updated'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  for (const row of [header, ...rows]) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
  return 0;
}

function required(value: string | undefined, usage: string): string {
  if (!value) throw new UsageError(`usage: identity-ledger ${usage}`);
  return value;
}

/** An appid the configuration does not name is a typo until proven otherwise. */
function requireConfigured(config: Config, appid: string, what: string): void {
  if (config.accounts.some((account) => account.appid === appid)) return;
  const meant = closestMatch(appid, config.accounts.map((account) => account.appid));
  throw new UsageError(`${what}: unknown appid ${appid}${meant ? ` (did you mean ${meant}?)` : ''}; configured: ${config.accounts.map((a) => a.appid).join(', ')}`);
}
