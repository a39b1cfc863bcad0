// The load side of the ingest benchmark, in its own process: WeChat's push sender (autocannon,
// pre-built signed pushes) and WeChat's API (the simulator, which the service asks user/info).
import autocannon from 'autocannon';
import { createSimulator } from '../src/simulator/simulator.ts';
import type { PushMode } from '../src/simulator/pushSender.ts';
import { onParentMessage, sendToParent, type ChildMessage } from './benchChild.ts';
import { BENCH_OA, signedPushes, type WirePush } from './signedPushes.ts';

let pushes: WirePush[] = [];
let next = 0;
let closeSimulator = async () => {};

onParentMessage(
  async (message: ChildMessage) => {
    if (message.type === 'prepare') {
      const count = message.count as number;
      const started = performance.now();
      pushes = signedPushes(count, message.mode as PushMode);
      const simulator = createSimulator({
        accounts: [{ appid: BENCH_OA.appid, secret: BENCH_OA.secret, kind: 'oa', originalId: BENCH_OA.originalId, seed: BENCH_OA.seed, followers: { count } }],
      });
      const running = await simulator.listen(0, '127.0.0.1');
      closeSimulator = running.close;
      sendToParent({ type: 'ready', simulatorUrl: running.url, buildMs: performance.now() - started });
    } else if (message.type === 'run') {
      sendToParent({ type: 'result', ...(await run(message.url as string, message.seconds as number, message.connections as number)) });
    }
  },
  () => closeSimulator(),
);

/** Every connection sends the next push in the shared sequence as soon as its last one is answered. */
async function run(url: string, seconds: number, connections: number) {
  const from = next;
  let wrapped = false;
  let notSuccess = 0;
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        setupRequest(request) {
          if (next >= pushes.length) {
            next = 0;
            wrapped = true;
          }
          const push = pushes[next++]!;
          return { ...request, method: 'POST', path: push.path, body: push.body, headers: { 'content-type': push.contentType } };
        },
        onResponse(status, body) {
          if (status !== 200 || body !== 'success') notSuccess++;
        },
      },
    ],
  });
  const answered = Object.values(result.statusCodeStats).reduce((n, s) => n + Number(s.count), 0);
  return {
    sent: next - from,
    answered,
    ok: answered - notSuccess,
    notSuccess,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds: result.duration,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    wrapped,
  };
}
