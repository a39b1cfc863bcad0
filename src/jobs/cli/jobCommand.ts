import { parseArgs } from 'node:util';
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

/** Exit codes: 0 done, 2 failed, 3 paused (45009), 130 interrupted (resumable). */
const EXIT = { done: 0, failed: 2, paused: 3, interrupted: 130 } as const;

/**
 * The job commands of `identity-ledger`. A job runs in this process (a live progress bar on a
 * terminal, plain lines otherwise) unless `--detach`, which only queues it for a running service.
 * Ctrl-C hands the job back unfinished: `resume <id>` (or any service instance) continues it.
 */
export async function jobCommand(command: string, args: string[], config: Config): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: false,
    options: {
      config: { type: 'string' },
      detach: { type: 'boolean' },
      from: { type: 'string' },
      to: { type: 'string' },
      'dry-run': { type: 'boolean' },
      all: { type: 'boolean' },
      'openids-file': { type: 'string' },
      backfill: { type: 'boolean' },
      kind: { type: 'string' },
      appid: { type: 'string' },
      status: { type: 'string' },
      limit: { type: 'string' },
    },
  });
  const text = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const flag = (name: string) => values[name] === true;
  const service = await createService(config, {
    background: false,
    logger: createLogger({ level: process.env.LOG_LEVEL ?? 'warn', destination: process.stderr }),
  });
  try {
    if (command === 'jobs') return await showJobs(service, positionals[0], { kind: text('kind'), appid: text('appid'), status: text('status'), limit: text('limit') });
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
    return await runHere(service, request, { detach: flag('detach'), resume: command === 'resume' });
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

async function runHere(service: Service, request: (options: JobRequestOptions) => Promise<RequestedJob>, options: { detach: boolean; resume: boolean }): Promise<number> {
  const settings = jobSettings();
  const owner = newJobOwner();
  const { job, warnings } = await request(options.detach || options.resume ? {} : { claimBy: { owner, leaseMs: settings.leaseMs } });
  for (const warning of warnings) console.error(`warning: ${warning}`);
  if (options.detach) {
    console.log(job.id);
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
    let code = await runOne(service, job.id, { projections, settings, owner, signal: controller.signal });
    const done = await getJob(service.storage.db, job.id);
    const followUp = done?.status === 'done' ? (done.result?.backfillJobId as string | undefined) : undefined;
    if (followUp && code === EXIT.done) {
      console.error(`running the follow-up unionid backfill ${followUp}`);
      code = await runOne(service, followUp, { projections, settings, owner: newJobOwner(), signal: controller.signal });
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
  options: { projections: ProjectionsGate; settings: JobSettings; owner: string; signal: AbortSignal },
): Promise<number> {
  const reporter = createProgressReporter(process.stderr);
  let left: Job;
  try {
    left = await runJobHere(service, { jobId, ...options, onProgress: reporter.update, onWaiting: reporter.waiting });
  } catch (error) {
    reporter.end();
    if (options.signal.aborted) {
      console.error(`interrupted; continue with: identity-ledger resume ${jobId}`);
      return EXIT.interrupted;
    }
    throw error;
  }
  reporter.end();
  return report(left);
}

function report(job: Job): number {
  const view = jobView(job);
  switch (job.status) {
    case 'done':
      console.log(JSON.stringify({ id: job.id, kind: job.kind, appid: job.appid, status: job.status, result: job.result }, null, 2));
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

async function showJobs(service: Service, id: string | undefined, filter: { kind?: string; appid?: string; status?: string; limit?: string }): Promise<number> {
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
  if (kind?.success === false || status?.success === false || !Number.isInteger(limit) || limit < 1) {
    console.error(`usage: identity-ledger jobs [<job id>] [--kind ${JobKind.options.join('|')}] [--appid a] [--status ${JobStatus.options.join('|')}] [--limit n]`);
    return 1;
  }
  const jobs = await listJobs(service.storage.db, {
    ...(kind?.data ? { kind: kind.data } : {}),
    ...(filter.appid ? { appid: filter.appid } : {}),
    ...(status?.data ? { status: status.data } : {}),
    limit,
  });
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
  if (!value) throw Object.assign(new Error(`usage: identity-ledger ${usage}`), { code: 'usage', status: 400 });
  return value;
}
