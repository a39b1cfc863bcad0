import { randomBytes } from 'node:crypto';
import { buildPush, defaultPushCrypto, type PushAccount, type PushMode } from '../src/simulator/pushSender.ts';
import { createIdentities } from '../src/simulator/identities.ts';

/** The Official Account the ingest benchmark pushes for (service config and simulator alike). */
export const BENCH_OA = {
  appid: 'wxbenchingest00oa1',
  secret: 'bench-oa-secret',
  token: 'benchpushtoken',
  encodingAESKey: 'kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR',
  originalId: 'gh_benchingest01',
  seed: 'bench',
};

export type WirePush = { path: string; body: string; contentType: string };

/**
 * `count` signed pushes as WeChat would send them, in send order: 80 % subscribes of users never
 * seen before (a third from a QR scene), 15 % unsubscribes of users who subscribed earlier, and
 * 5 % byte-for-byte repeats of an earlier push (WeChat's retry after a timeout). Users are
 * followers the simulator knows, so the service's user/info lookups after a subscribe succeed.
 */
export function signedPushes(count: number, mode: PushMode): WirePush[] {
  const account: PushAccount = { ...BENCH_OA, format: 'xml', mode };
  const crypto = defaultPushCrypto(account);
  const ids = createIdentities(BENCH_OA.appid, BENCH_OA.seed);
  const openids = ids.openidsOf(Array.from({ length: count }, (_, person) => person));
  // The service refuses a CreateTime more than an hour before the request's timestamp, and a
  // (timestamp, nonce) it has seen with another body: event times spread over the last 50
  // minutes (in send order), one nonce per push (a random base plus the push's index).
  const now = Math.floor(Date.now() / 1000);
  const timestamp = String(now);
  const nonceBase = 1_000_000_000 + randomBytes(4).readUInt32BE();
  const pushes: WirePush[] = [];
  const subscribed: number[] = [];
  let users = 0;
  for (let i = 0; i < count; i++) {
    const slot = i % 20;
    if (slot === 19 && pushes.length > 0) {
      pushes.push(pushes[i - 1 - (Math.imul(i, 7919) >>> 0) % Math.min(i, 2000)]!);
      continue;
    }
    const createTime = now - 3000 + Math.floor((i * 3000) / count);
    let event: Parameters<typeof buildPush>[1];
    if ((slot === 3 || slot === 8 || slot === 13) && subscribed.length > 0) {
      const person = subscribed[(Math.imul(i, 104729) >>> 0) % subscribed.length]!;
      event = { event: 'unsubscribe', openid: openids[person]!, createTime };
    } else {
      const person = users++;
      subscribed.push(person);
      event = { event: 'subscribe', openid: openids[person]!, createTime, ...(person % 3 === 0 ? { eventKey: `qrscene_campaign${person % 7}`, ticket: `ticket${person}` } : {}) };
    }
    const built = buildPush(account, event, { timestamp, nonce: String(nonceBase + i), crypto });
    pushes.push({ path: `/wechat/${BENCH_OA.appid}/callback?${new URLSearchParams(built.query)}`, body: built.body, contentType: built.contentType });
  }
  return pushes;
}
