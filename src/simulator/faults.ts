import { setTimeout as sleep } from 'node:timers/promises';

/** Injected misbehaviour, per API name (`user/get`, `stable_token`, `jscode2session`…). */
export type FaultOptions = {
  /** Seeds the random draws (error rates, jitter) so a test run repeats exactly. */
  seed?: number;
  latency?: { ms: number; jitterMs?: number; apis?: string[] };
  /** Each call of `api` fails with `errcode` with probability `rate`. */
  errors?: { api: string; errcode: number; rate: number }[];
  /** Calls of `api` beyond `perDay` (per simulated day) answer 45009. */
  quotas?: { api: string; perDay: number }[];
};

export type Faults = {
  /** Applies latency; returns the errcode to answer with instead of the real handler, if any. */
  before(api: string): Promise<number | null>;
  failNext(api: string, errcode: number, times: number): void;
  set(options: FaultOptions): void;
  /** Drops every fault: options and pending failNext calls. */
  clear(): void;
};

/** mulberry32: tiny, fast and good enough to make fault draws reproducible. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DAY_MS = 86_400_000;

export function createFaults(initial: FaultOptions, now: () => number): Faults {
  let options = initial;
  let random = seededRandom(initial.seed ?? 1);
  const pending = new Map<string, { errcode: number; times: number }[]>();
  const used = new Map<string, number>(); // `${day}:${api}` → calls

  return {
    async before(api) {
      const latency = options.latency;
      if (latency && (!latency.apis || latency.apis.includes(api))) {
        const ms = latency.ms + (latency.jitterMs ? random() * latency.jitterMs : 0);
        if (ms > 0) await sleep(ms);
      }
      const quota = options.quotas?.find((q) => q.api === api);
      if (quota) {
        const key = `${Math.floor(now() / DAY_MS)}:${api}`;
        const calls = (used.get(key) ?? 0) + 1;
        used.set(key, calls);
        if (calls > quota.perDay) return 45009;
      }
      const queue = pending.get(api);
      const next = queue?.[0];
      if (queue && next) {
        if (--next.times <= 0) queue.shift();
        return next.errcode;
      }
      for (const rule of options.errors ?? []) {
        if (rule.api === api && random() < rule.rate) return rule.errcode;
      }
      return null;
    },
    failNext(api, errcode, times) {
      const queue = pending.get(api) ?? [];
      queue.push({ errcode, times });
      pending.set(api, queue);
    },
    set(next) {
      options = { ...options, ...next };
      if (next.seed !== undefined) random = seededRandom(next.seed);
    },
    clear() {
      options = {};
      pending.clear();
    },
  };
}
