import { createHash, randomUUID } from 'node:crypto';
import { appidOf, openidOf, streamOf, unionidOf, type NewEvent } from '../src/ledger/events.ts';
import { followEvents } from './followEvents.ts';

/**
 * The raw-INSERT ceiling's rows: what the ledger stores for `followEvents`, built in JavaScript
 * for today's `events` columns (ids, the same JSON, a sha256 chain, stream versions) and
 * flattened into statement parameters. The one place that knows the stored row format: when
 * the ledger's columns change, this function (and only it) follows.
 */
export function rawEventRows(): { columns: readonly string[]; next(count: number): unknown[] } {
  const columns = ['position', 'id', 'type', 'stream', 'stream_version', 'data', 'meta', 'idempotency_key', 'appid', 'openid', 'unionid', 'occurred_at', 'recorded_at', 'prev_hash', 'hash'];
  const nextEvent = followEvents('raw');
  const versions = new Map<string, number>();
  let position = 0;
  let prevHash = '0'.repeat(64);
  return {
    columns,
    next(count: number): unknown[] {
      const params: unknown[] = [];
      const recordedAt = new Date().toISOString();
      for (let i = 0; i < count; i++) {
        const event: NewEvent = nextEvent();
        const data = event.data as Record<string, unknown>;
        const stream = streamOf(event.type, data);
        const version = (versions.get(stream) ?? 0) + 1;
        versions.set(stream, version);
        const row = [++position, randomUUID(), event.type, stream, version, JSON.stringify(data), JSON.stringify(event.meta), event.meta.idempotencyKey, appidOf(event.type, data), openidOf(event.type, data), unionidOf(data), new Date(event.occurredAt!).toISOString(), recordedAt];
        const hash = createHash('sha256').update(prevHash).update(JSON.stringify(row)).digest('hex');
        params.push(...row, prevHash, hash);
        prevHash = hash;
      }
      return params;
    },
  };
}
