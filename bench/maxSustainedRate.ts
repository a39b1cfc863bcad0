import type { QueryLoadResult } from './queryLoad.ts';

/** One open-loop probe at a rate, and whether the service kept up with it. */
export type RateProbe<R extends QueryLoadResult = QueryLoadResult> = { rate: number; try: number; result: R; sustained: boolean; why: string };

export type SearchOptions = {
  /** First rate probed, requests/s. */
  from: number;
  /** Factor between rates while every probe keeps up. */
  step: number;
  /** Bisections between the last rate kept up with and the first one not. */
  refine: number;
  /** Probes of a rate before it counts as not sustained: one bad second from another tenant should not end the search. */
  tries: number;
  /** No rate above this is probed. */
  to: number;
  /** Sustained means a p99 (counted from when each request was due) at most this, ms. */
  maxP99: number;
};

/**
 * Whether an open-loop window was sustained: every request answered right, the p99 from due
 * time within the bound, and no backlog left when the schedule ended (the last answer within the
 * bound of the window's end). Past capacity the queue grows for the whole window, so its p99
 * grows with the window; under capacity it stays at the service's own latency plus the
 * machine's jitter, which the bound is there to absorb.
 */
export function sustainedVerdict(result: QueryLoadResult, maxP99: number): { sustained: boolean; why: string } {
  const all = result.kinds.find((k) => k.kind === 'all')!;
  if (result.errors > 0) return { sustained: false, why: `${result.errors} connection errors` };
  if (all.wrong > 0) return { sustained: false, why: `${all.wrong} wrong answers` };
  if (all.answered < result.scheduled) return { sustained: false, why: `${result.scheduled - all.answered} of ${result.scheduled} unanswered` };
  if (!(all.p99 <= maxP99)) return { sustained: false, why: `p99 ${all.p99.toFixed(1)} ms > ${maxP99} ms` };
  const backlogMs = (result.elapsed - result.seconds) * 1000;
  if (backlogMs > maxP99) return { sustained: false, why: `last answer ${backlogMs.toFixed(0)} ms after the window` };
  return { sustained: true, why: `p99 ${all.p99.toFixed(1)} ms` };
}

/**
 * The highest open-loop rate the service keeps up with: rates rise by `step` from `from` until
 * one is not sustained (within `tries`), then `refine` bisections between the last rate kept up
 * with and that one. If even `from` is not sustained, rates fall by `step` until one is (or the
 * rate reaches 1). Returns the highest sustained probe (null if none) and every probe made.
 */
export async function findMaxSustainedRate<R extends QueryLoadResult>(probe: (rate: number) => Promise<R>, options: SearchOptions): Promise<{ best: RateProbe<R> | null; probes: RateProbe<R>[] }> {
  const probes: RateProbe<R>[] = [];
  const attempt = async (rate: number): Promise<RateProbe<R> | null> => {
    for (let t = 1; t <= options.tries; t++) {
      const result = await probe(rate);
      const verdict = sustainedVerdict(result, options.maxP99);
      const made = { rate, try: t, result, ...verdict };
      probes.push(made);
      if (made.sustained) return made;
    }
    return null;
  };

  let best: RateProbe<R> | null = null;
  let failed: number | null = null;
  for (let rate = Math.round(options.from); rate <= options.to; rate = Math.round(rate * options.step)) {
    const passed = await attempt(rate);
    if (!passed) {
      failed = rate;
      break;
    }
    best = passed;
  }
  if (best === null && failed !== null) {
    for (let rate = Math.round(failed / options.step); rate >= 1; rate = Math.floor(rate / options.step)) {
      const passed = await attempt(rate);
      if (passed) {
        best = passed;
        break;
      }
      failed = rate;
    }
  }
  if (best === null || failed === null) return { best, probes };
  let high = failed;
  for (let i = 0; i < options.refine; i++) {
    const middle = Math.round((best.rate + high) / 2);
    if (middle <= best.rate || middle >= high) break;
    const passed = await attempt(middle);
    if (passed) best = passed;
    else high = middle;
  }
  return { best, probes };
}
