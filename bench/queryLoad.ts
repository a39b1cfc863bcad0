// The load side of the query benchmark, in its own process: an open-loop sender. Request k is
// due at start + k / rate whatever happened to the earlier ones, and its latency counts from
// then, so a stalled server shows up as latency (a closed loop would just send less). Answers
// are checked against the population's rules: every status, and the whole body of a sample.
import http from 'node:http';
import { isDeepStrictEqual } from 'node:util';
import { onParentMessage, sendToParent, type ChildMessage } from './benchChild.ts';
import { quantile } from './quantile.ts';
import {
  QUERY_API_KEY,
  QUERY_MP,
  QUERY_OA,
  expectedFollowStatus,
  expectedUnionid,
  expectedUser,
  mpOpenid,
  oaOpenid,
  unionidOf,
  type Expected,
} from './queryPopulation.ts';

/** What the mix sends, in the order of the result table. */
export const QUERY_KINDS = ['user by openid', 'unionid', 'follow-status by unionid', 'unknown (404)'] as const;
export type QueryKind = (typeof QUERY_KINDS)[number];

export type KindResult = {
  kind: QueryKind | 'all';
  answered: number;
  non2xx: number;
  /** Bodies compared in full with the expected answer. */
  checked: number;
  /** A status other than the expected one (a 404 for someone unknown is expected), or a checked body that differs. */
  wrong: number;
  p50: number;
  p99: number;
  max: number;
  /** p99 counted from when the request was actually written, not when it was due. */
  p99FromSend: number;
};

export type QueryLoadResult = {
  type: 'result';
  seconds: number;
  /** From the first request's due time to the last answer: answered / elapsed is the achieved rate. */
  elapsed: number;
  scheduled: number;
  errors: number;
  /** The first few connection errors, as `message (after ms since due, socket reused or new)`. */
  errorSamples: string[];
  /** How late the sender itself wrote requests (its timer and event loop), p99 and max ms. */
  sendDelayP99: number;
  sendDelayMax: number;
  /** p99 of each second of the schedule, sorted: on a shared machine, the quiet seconds show what the service does with the CPU to itself. */
  p99BySecond: number[];
  kinds: KindResult[];
  mismatches: string[];
};

type Planned = { kind: QueryKind; path: string; expected: Expected };

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

onParentMessage(async (message: ChildMessage) => {
  if (message.type !== 'run') return;
  const result = await run(new URL(message.url as string), message.rate as number, message.seconds as number, message.persons as number, message.checkEvery as number);
  sendToParent(result);
});

/** mulberry32: a small seeded generator, so every run asks the same sequence. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let seed = 1;

/** 50 % users by openid (OA 35, MP 15), 30 % unionids, 15 % follow-status, 5 % unknown → 404. */
function planner(persons: number): () => Planned {
  const next = random(seed++);
  let unknown = 0;
  return () => {
    const r = next();
    const i = Math.floor(next() * persons);
    if (r < 0.35) return { kind: 'user by openid', path: `/v1/accounts/${QUERY_OA}/users/${oaOpenid(i)}`, expected: expectedUser(i, 'oa') };
    if (r < 0.5) return { kind: 'user by openid', path: `/v1/accounts/${QUERY_MP}/users/${mpOpenid(i)}`, expected: expectedUser(i, 'mp') };
    if (r < 0.8) return { kind: 'unionid', path: `/v1/unionids/${unionidOf(i)}`, expected: expectedUnionid(i) };
    if (r < 0.95) return { kind: 'follow-status by unionid', path: `/v1/follow-status?appid=${QUERY_OA}&unionid=${unionidOf(i)}`, expected: expectedFollowStatus(i) };
    const missing = persons + unknown++;
    return r < 0.975
      ? { kind: 'unknown (404)', path: `/v1/accounts/${QUERY_OA}/users/${oaOpenid(missing)}`, expected: { status: 404, body: 'user_not_found' } }
      : { kind: 'unknown (404)', path: `/v1/unionids/${unionidOf(missing)}`, expected: { status: 404, body: 'unionid_not_found' } };
  };
}

/** Whether the answer is what the population's rules say; a 404's body is checked by its error code. */
function answerMatches(expected: Expected, body: string): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return false;
  }
  if (expected.status === 404) {
    return (parsed as { error?: { code?: string } }).error?.code === expected.body;
  }
  return isDeepStrictEqual(parsed, expected.body);
}

async function run(url: URL, rate: number, seconds: number, persons: number, checkEvery: number): Promise<QueryLoadResult> {
  const plan = planner(persons);
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const latency = new Map(QUERY_KINDS.map((kind) => [kind, { fromDue: [] as number[], fromSend: [] as number[], non2xx: 0, checked: 0, wrong: 0 }]));
  const sendDelays: number[] = [];
  const bySecond: number[][] = Array.from({ length: Math.ceil(seconds) }, () => []);
  const mismatches: string[] = [];
  let errors = 0;
  const errorSamples: string[] = [];
  let lastAnswer = 0;
  let outstanding = 0;
  let allScheduled = false;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => (finish = resolve));

  const send = (k: number, due: number) => {
    const planned = plan();
    const sentAt = performance.now();
    sendDelays.push(sentAt - due);
    outstanding++;
    const done = () => {
      outstanding--;
      if (allScheduled && outstanding === 0) finish();
    };
    const request = http.request(
      { agent, host: url.hostname, port: url.port, path: planned.path, method: 'GET', headers: { authorization: `Bearer ${QUERY_API_KEY}` }, timeout: 10_000 },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const now = performance.now();
          lastAnswer = now;
          const stats = latency.get(planned.kind)!;
          stats.fromDue.push(now - due);
          bySecond[Math.floor((due - start) / 1000)]?.push(now - due);
          stats.fromSend.push(now - sentAt);
          const status = response.statusCode ?? 0;
          if (status < 200 || status >= 300) stats.non2xx++;
          let ok = status === planned.expected.status;
          // Every request's status; the whole body of one in `checkEvery`.
          if (k % checkEvery === 0) {
            stats.checked++;
            ok = ok && answerMatches(planned.expected, Buffer.concat(chunks).toString('utf8'));
          }
          if (!ok) {
            stats.wrong++;
            if (mismatches.length < 5) mismatches.push(`GET ${planned.path} → ${status} ${Buffer.concat(chunks).toString('utf8').slice(0, 400)}; expected ${planned.expected.status} ${JSON.stringify(planned.expected.body)}`);
          }
          done();
        });
      },
    );
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', (error: NodeJS.ErrnoException) => {
      errors++;
      if (errorSamples.length < 5) errorSamples.push(`${error.code ?? error.message} after ${(performance.now() - due).toFixed(1)} ms on a ${request.reusedSocket ? 'reused' : 'new'} socket`);
      done();
    });
    request.end();
  };

  const start = performance.now() + 5;
  let k = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      for (let due = start + k * interval; k < total && due <= now; due = start + k * interval) send(k++, due);
      if (k < total) setTimeout(tick, 1);
      else resolve();
    };
    setTimeout(tick, 5);
  });
  allScheduled = true;
  if (outstanding > 0) await finished;

  const summarize = (kind: KindResult['kind'], parts: NonNullable<ReturnType<typeof latency.get>>[]): KindResult => {
    const fromDue = parts.flatMap((p) => p.fromDue);
    const fromSend = parts.flatMap((p) => p.fromSend);
    const sum = (pick: (p: (typeof parts)[number]) => number) => parts.reduce((n, p) => n + pick(p), 0);
    return {
      kind,
      answered: fromDue.length,
      non2xx: sum((p) => p.non2xx),
      checked: sum((p) => p.checked),
      wrong: sum((p) => p.wrong),
      p50: quantile(fromDue, 0.5),
      p99: quantile(fromDue, 0.99),
      max: quantile(fromDue, 1),
      p99FromSend: quantile(fromSend, 0.99),
    };
  };
  return {
    type: 'result',
    seconds,
    elapsed: (lastAnswer - start) / 1000,
    scheduled: total,
    errors,
    errorSamples,
    sendDelayP99: quantile(sendDelays, 0.99),
    sendDelayMax: quantile(sendDelays, 1),
    p99BySecond: bySecond.filter((s) => s.length > 0).map((s) => quantile(s, 0.99)).sort((a, b) => a - b),
    kinds: [summarize('all', [...latency.values()]), ...QUERY_KINDS.map((kind) => summarize(kind, [latency.get(kind)!]))],
    mismatches,
  };
}
