/**
 * Items per second over the last `windowMs`: recent enough to follow a job that slows down
 * (a quota, a slow page), smooth enough not to jump with every chunk.
 */
export type RateMeter = { record(done: number): void; rate(): number | null; reset(): void };

export function createRateMeter(windowMs = 15_000, now: () => number = () => performance.now()): RateMeter {
  let samples: { at: number; done: number }[] = [];
  return {
    record(done) {
      const at = now();
      samples.push({ at, done });
      while (samples.length > 2 && samples[1]!.at <= at - windowMs) samples.shift();
    },
    rate() {
      const first = samples[0];
      const last = samples[samples.length - 1];
      if (!first || !last || last.at - first.at < 200) return null;
      return ((last.done - first.done) * 1000) / (last.at - first.at);
    },
    reset() {
      samples = [];
    },
  };
}
