import { describe, expect, it } from 'vitest';
import { createProgressReporter, duration, liveLine, plainLine } from '../../src/jobs/cli/progressReporter.ts';
import type { Job } from '../../src/jobs/job.ts';
import { nextQuotaReset } from '../../src/jobs/jobSettings.ts';
import { jobView } from '../../src/jobs/jobView.ts';
import { createRateMeter } from '../../src/jobs/runner/rateMeter.ts';
import { outcomeOf } from '../../src/jobs/runner/outcomeOf.ts';
import { JobStoppedError, LeaseLostError } from '../../src/jobs/jobErrors.ts';
import { errorFromErrcode, upstreamFailure } from '../../src/wechat/api/errcodes.ts';

const job = (patch: Partial<Job> = {}): Job => ({
  id: '6f1c7a52-8f0e-4b8e-9a55-3c1b1d2e4f60',
  kind: 'openid-conversion',
  appid: 'wxnew',
  params: { fromCandidates: ['wxold'], fromAppid: 'wxold' },
  status: 'running',
  phase: 'converting',
  progress: { done: 250_000, total: 1_000_000 },
  rate: 5000,
  state: {},
  result: null,
  error: null,
  leaseOwner: 'h/1/a',
  leaseUntil: null,
  resumeAt: null,
  attempts: 1,
  createdAt: '2026-03-01T00:00:00.000Z',
  startedAt: '2026-03-01T00:00:00.000Z',
  updatedAt: '2026-03-01T00:01:00.000Z',
  finishedAt: null,
  ...patch,
});

describe('rate and ETA', () => {
  it('measures items per second over a sliding window', () => {
    let t = 0;
    const meter = createRateMeter(10_000, () => t);
    expect(meter.rate()).toBeNull();
    meter.record(0);
    t = 1000;
    meter.record(500);
    expect(meter.rate()).toBe(500);
    for (let i = 2; i <= 30; i++) {
      t = i * 1000;
      meter.record(500 + (i - 1) * 100);
    }
    expect(meter.rate()).toBeCloseTo(100, 0);
  });

  it('the view counts the ETA from when the rate was measured, and shows none unless running', () => {
    const view = jobView(job(), new Date('2026-03-01T00:01:30.000Z'));
    expect(view).toMatchObject({ rate: 5000, eta: '2026-03-01T00:03:30.000Z', etaSeconds: 120 });
    expect(view.params).toEqual({ fromAppid: 'wxold' });
    expect(jobView(job({ status: 'paused' }))).toMatchObject({ rate: null, eta: null, etaSeconds: null });
  });

  it('a paused job resumes at the next midnight in Beijing (UTC+8)', () => {
    expect(nextQuotaReset(new Date('2026-03-01T10:00:00Z')).toISOString()).toBe('2026-03-01T16:00:00.000Z');
    expect(nextQuotaReset(new Date('2026-03-01T17:00:00Z')).toISOString()).toBe('2026-03-02T16:00:00.000Z');
  });
});

describe('progress output', () => {
  it('a terminal gets one redrawn line with a bar, counts, rate and ETA', () => {
    const line = liveLine(job(), 120);
    expect(line).toMatch(/^openid-conversion wxnew converting +\[█+░+\] 25% 250,000\/1,000,000 {2}5,000\/s {2}ETA \d+:\d\d$/);
    const written: string[] = [];
    let t = 0;
    const reporter = createProgressReporter({ write: (s) => written.push(s), isTTY: true, columns: 120 }, { now: () => t });
    reporter.update(job());
    t = 50;
    reporter.update(job({ progress: { done: 260_000, total: 1_000_000 } })); // too soon: not redrawn
    t = 200;
    reporter.update(job({ progress: { done: 270_000, total: 1_000_000 } }));
    reporter.end();
    expect(written).toHaveLength(3);
    expect(written[0]!.startsWith('\r\x1b[K')).toBe(true);
    expect(written[1]).toContain('27%');
    expect(written[2]).toBe('\n');
  });

  it('a log gets a plain line per phase and every few seconds', () => {
    const written: string[] = [];
    let t = 0;
    const reporter = createProgressReporter({ write: (s) => written.push(s) }, { now: () => t, plainEveryMs: 5000 });
    reporter.update(job({ phase: 'collecting', progress: { done: 0, total: null } }));
    reporter.update(job());
    t = 1000;
    reporter.update(job());
    t = 6000;
    reporter.update(job());
    expect(written).toHaveLength(3);
    expect(written.every((line) => !line.includes('\r'))).toBe(true);
    expect(plainLine(job())).toMatch(/job 6f1c7a52-\S+ openid-conversion wxnew running converting 250000\/1000000 \(25%\) 5000\/s eta/);
    expect(duration(3725)).toBe('1:02:05');
  });
});

describe('how a run ends', () => {
  it('45009 pauses; 63178 and other failures fail with a message; a lost lease leaves the job alone', () => {
    expect(outcomeOf(errorFromErrcode(45009, 'quota', 'changeopenid', 'wxnew'), false)).toMatchObject({ kind: 'pause', error: { code: 'wechat_quota_exhausted' } });
    expect(outcomeOf(new JobStoppedError('wechat_no_migration_relation', 'stopped'), false)).toEqual({ kind: 'fail', error: { code: 'wechat_no_migration_relation', message: 'stopped' } });
    expect(outcomeOf(upstreamFailure('timeout', 'user/get', 'wx'), false)).toMatchObject({ kind: 'fail', error: { code: 'wechat_upstream_failure' } });
    expect(outcomeOf(new LeaseLostError('x'), false)).toEqual({ kind: 'leave' });
    expect(outcomeOf(new Error('stopping'), true)).toEqual({ kind: 'leave' });
  });
});
