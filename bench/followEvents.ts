import type { NewEvent } from '../src/ledger/events.ts';
import { IdempotencyKey } from '../src/ledger/idempotencyKey.ts';

export const BENCH_APPID = 'wxbench0000000oa1';

/**
 * What one webhook caller appends, as `pushToEvents` would: mostly subscribes of new users
 * (some from a QR scene), and every tenth an unsubscribe of a user this caller subscribed
 * earlier (a stream's second version). Idempotency keys follow the push dedupe key, so every
 * one is unique.
 */
export function followEvents(caller: string): () => NewEvent {
  let n = 0;
  const createTime = Math.floor(Date.now() / 1000);
  const openid = (i: number) => `oBench${caller.padStart(4, '0')}${String(i).padStart(14, '0')}`;
  return () => {
    const i = n++;
    const meta = (user: string, event: string) => ({
      source: 'webhook' as const,
      idempotencyKey: IdempotencyKey.push(BENCH_APPID, `gh_bench0000oa1|${user}|${createTime + i}|${event}`),
    });
    const occurredAt = new Date((createTime + i) * 1000);
    if (i % 10 === 9) {
      const user = openid(i - 5);
      return { type: 'follow.unsubscribed', data: { appid: BENCH_APPID, openid: user }, meta: meta(user, 'unsubscribe'), occurredAt };
    }
    const user = openid(i);
    const data = i % 3 === 0 ? { appid: BENCH_APPID, openid: user, scene: `campaign${i % 7}`, eventKey: `qrscene_campaign${i % 7}` } : { appid: BENCH_APPID, openid: user };
    return { type: 'follow.subscribed', data, meta: meta(user, 'subscribe'), occurredAt };
  };
}
