import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { NewEvent } from '../../src/ledger/events.ts';
import { startE2E, OA, READ_KEY, type E2E } from '../support/e2eHarness.ts';
import { until } from '../support/until.ts';

const EVENTS = 20_000;

describe('NDJSON streams of the audit trail', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E({
      configure(config) {
        config.maxEventStreams = 1;
        // Small, so the test of a client that stops reading is quick; far above a stream's own writes.
        config.eventStreamStallSeconds = 2;
      },
    });
    for (let start = 0; start < EVENTS; start += 1000) {
      const batch: NewEvent[] = Array.from({ length: 1000 }, (_, i) => ({
        type: 'follow.subscribed',
        data: { appid: OA.appid, openid: `o-stream-${start + i}`, scene: 'ADD_SCENE_SEARCH' },
        meta: { source: 'reconciliation', idempotencyKey: `stream-seed:${start + i}` },
      }));
      await e2e.server.service.ledger.append(batch);
    }
  }, 120_000);
  afterAll(async () => {
    vi.restoreAllMocks();
    await e2e?.close();
  });

  const open = (query = '', signal?: AbortSignal) =>
    fetch(`${e2e.url}/v1/events${query}`, { headers: { authorization: `Bearer ${READ_KEY}`, accept: 'application/x-ndjson' }, ...(signal ? { signal } : {}) });
  /** An empty stream from the head: takes the stream slot for one read only. */
  const probe = async () => {
    const head = await e2e.server.service.ledger.head();
    const response = await open(`?after=${head}`);
    await response.body?.cancel();
    return response.status;
  };

  it('past maxEventStreams a stream is refused with 503 too_many_event_streams; paging still works', async () => {
    const controller = new AbortController();
    const first = await open('', controller.signal);
    expect(first.status).toBe(200);
    // The first is still streaming (its client reads nothing, so the server waits on it).
    const second = await open();
    expect(second.status).toBe(503);
    expect(second.headers.get('retry-after')).toBe('1');
    expect(((await second.json()) as { error: { code: string } }).error.code).toBe('too_many_event_streams');
    expect((await e2e.api('/v1/events?limit=5', { key: READ_KEY })).status).toBe(200);
    controller.abort();
    await until(async () => (await probe()) === 200, 20_000, 'the slot to be released');
  });

  it('stops reading the ledger when the client goes away', async () => {
    const reads: number[] = [];
    const read = e2e.server.service.ledger.read;
    vi.spyOn(e2e.server.service.ledger, 'read').mockImplementation((filter) => {
      reads.push(filter?.after ?? 0);
      return read(filter);
    });
    const controller = new AbortController();
    let response: Response | null = null;
    // The probe's own stream may still hold the slot for a moment.
    await until(async () => {
      response = await open('', controller.signal);
      if (response.status === 200) return true;
      await response.body?.cancel();
      return false;
    }, 20_000, 'a stream slot');
    const reader = response!.body!.getReader();
    await reader.read();
    controller.abort();
    await until(async () => (await probe()) === 200, 20_000, 'the aborted stream to end');
    // The stream would need 20 pages of 1,000 to reach the head; it stopped long before.
    const streamed = reads.filter((after) => after < EVENTS);
    expect(streamed.length).toBeGreaterThan(0);
    expect(streamed.length).toBeLessThan(EVENTS / 1000 / 2);
  });

  it('cuts a stream whose client stops reading (but keeps the connection open) after eventStreamStallSeconds, and frees its slot', async () => {
    let response: Response | null = null;
    await until(async () => {
      response = await open();
      if (response.status === 200) return true;
      await response.body?.cancel();
      return false;
    }, 20_000, 'a stream slot');
    // Read one chunk, then nothing more — without aborting: the connection stays open.
    const reader = response!.body!.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    // 20,000 events do not fit the socket buffers, so the server's writes wait; after 2 s it gives up.
    await until(async () => (await probe()) === 200, 20_000, 'the stalled stream to be cut and its slot freed');
    // The stalled stream was cut, not completed: reading on ends early (or errors) short of the events.
    let bytes = first.value!.length;
    try {
      for (;;) {
        const chunk = await reader.read();
        if (chunk.done) break;
        bytes += chunk.value.length;
      }
    } catch {
      // The connection was destroyed: undici reports it as terminated.
    }
    const full = await fetch(`${e2e.url}/v1/events?limit=1`, { headers: { authorization: `Bearer ${READ_KEY}` } });
    const oneEvent = JSON.stringify(((await full.json()) as { events: unknown[] }).events[0]).length;
    expect(bytes).toBeLessThan(oneEvent * EVENTS);
  });
});
