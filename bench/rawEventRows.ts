import { createHash, randomUUID } from 'node:crypto';
import { appidOf, openidOf, unionidOf, type NewEvent } from '../src/ledger/events.ts';
import { followEvents } from './followEvents.ts';

/** A stand-in for the ledger's pseudonyms (keyed HMACs, 128 bits hex): the same length, for the same index cost. */
export const pseudonymOf = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 32);

/** A user's stream named as the ledger names it: by the pseudonym of (appid, openid). */
export function benchStreamOf(event: NewEvent): string {
  const data = event.data as Record<string, unknown>;
  const appid = appidOf(event.type, data);
  return `user-${appid}-${pseudonymOf(`${appid}|${openidOf(event.type, data)}`)}`;
}

/**
 * The raw-INSERT ceiling's rows: what the ledger stores for `followEvents`, built in JavaScript
 * for the `events` columns of migration 0005 (ids, pseudonyms, the same JSON, a digest and a
 * sha256 chain, stream versions) and flattened into statement parameters. Personal fields stay
 * clear here: the ceiling is a plain INSERT. The one place that knows the stored row format:
 * when the ledger's columns change, this function (and only it) follows.
 */
export function rawEventRows(): { columns: readonly string[]; next(count: number): unknown[] } {
  const columns = ['position', 'id', 'type', 'stream', 'stream_version', 'appid', 'subject', 'unionid', 'fingerprint', 'idempotency_key', 'data', 'meta', 'occurred_at', 'recorded_at', 'digest', 'prev_hash', 'hash'];
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
        const appid = appidOf(event.type, data);
        const subject = pseudonymOf(`${appid}|${openidOf(event.type, data)}`);
        const unionid = unionidOf(data);
        const stream = `user-${appid}-${subject}`;
        const version = (versions.get(stream) ?? 0) + 1;
        versions.set(stream, version);
        const json = JSON.stringify(data);
        const row = [++position, randomUUID(), event.type, stream, version, appid, subject, unionid === null ? null : pseudonymOf(unionid), pseudonymOf(json), pseudonymOf(event.meta.idempotencyKey), json, JSON.stringify(event.meta), new Date(event.occurredAt!).toISOString(), recordedAt];
        const digest = createHash('sha256').update(JSON.stringify(row.slice(1))).digest('hex');
        const hash = createHash('sha256').update(`${prevHash}:${position}:${version}:${digest}`).digest('hex');
        params.push(...row, digest, prevHash, hash);
        prevHash = hash;
      }
      return params;
    },
  };
}
