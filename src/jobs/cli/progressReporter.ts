import type { Job } from '../job.ts';
import { jobView } from '../jobView.ts';

export type ProgressReporter = { update(job: Job): void; waiting(job: Job): void; end(): void };

type Out = { write(text: string): unknown; isTTY?: boolean; columns?: number };

/**
 * Job progress for a person watching: on a terminal one live line (bar, counts, rate, ETA)
 * redrawn at most 10 times a second, a line kept per finished phase; otherwise (a log, CI) a
 * plain line per phase change and every `plainEveryMs`.
 */
export function createProgressReporter(out: Out, options: { plainEveryMs?: number; now?: () => number } = {}): ProgressReporter {
  const now = options.now ?? Date.now;
  const tty = Boolean(out.isTTY);
  const plainEveryMs = options.plainEveryMs ?? 5000;
  let lastPhase: string | null = null;
  let lastDraw = 0;
  let drawn = false;
  let latest: Job | null = null;
  let waitingShown = false;

  const draw = (job: Job, force: boolean) => {
    const at = now();
    const phaseChanged = job.phase !== lastPhase;
    if (tty) {
      if (phaseChanged && drawn && latest) out.write(`\r\x1b[K${liveLine(latest, out.columns || 100)}\n`);
      if (!force && !phaseChanged && at - lastDraw < 100) return;
      out.write(`\r\x1b[K${liveLine(job, out.columns || 100)}`);
      drawn = true;
    } else {
      if (!force && !phaseChanged && at - lastDraw < plainEveryMs) return;
      out.write(`${plainLine(job)}\n`);
    }
    lastDraw = at;
    lastPhase = job.phase;
  };

  return {
    update(job) {
      draw(job, job.status !== 'running');
      latest = job;
    },
    waiting(job) {
      if (waitingShown) return;
      waitingShown = true;
      out.write(`${tty && drawn ? '\n' : ''}job ${job.id} is running elsewhere (${job.leaseOwner}); waiting for its lease to run out (${job.leaseUntil})\n`);
      drawn = false;
    },
    end() {
      if (tty && drawn) out.write('\n');
      drawn = false;
    },
  };
}

export function liveLine(job: Job, columns: number): string {
  const view = jobView(job);
  const { done, total } = view.progress;
  const share = total ? Math.min(1, done / total) : null;
  const stats = [
    total !== null ? `${share === null ? '' : `${Math.floor(share * 100)}% `}${fmt(done)}/${fmt(total)}` : fmt(done),
    view.rate !== null ? `${fmt(Math.round(view.rate))}/s` : null,
    view.etaSeconds !== null ? `ETA ${duration(view.etaSeconds)}` : null,
  ].filter(Boolean);
  const head = `${job.kind} ${job.appid} ${view.phase.padEnd(10)}`;
  const tail = stats.join('  ');
  // A fixed width (room kept for the longest stats) so the bar does not jump as the numbers change.
  const width = Math.max(10, Math.min(30, columns - head.length - 50));
  const filled = share === null ? 0 : Math.round(share * width);
  const bar = share === null ? '·'.repeat(width) : '█'.repeat(filled) + '░'.repeat(width - filled);
  return `${head} [${bar}] ${tail}`.slice(0, Math.max(20, columns - 1));
}

export function plainLine(job: Job): string {
  const view = jobView(job);
  const { done, total } = view.progress;
  const parts = [
    new Date().toISOString(),
    `job ${job.id}`,
    job.kind,
    job.appid,
    view.status,
    view.phase,
    total !== null ? `${done}/${total}${total > 0 ? ` (${Math.floor((done / total) * 100)}%)` : ''}` : `${done}`,
  ];
  if (view.rate !== null) parts.push(`${Math.round(view.rate)}/s`);
  if (view.etaSeconds !== null) parts.push(`eta ${duration(view.etaSeconds)}`);
  return parts.join(' ');
}

function fmt(value: number): string {
  return value.toLocaleString('en-US');
}

export function duration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}` : `${m}:${String(s).padStart(2, '0')}`;
}
