import type { Storage } from './openStorage.ts';
import { EventData, EventMeta, isEventType, streamOf, type NewEvent } from './events.ts';
import { createGroupCommit, type GroupCommitOptions } from './groupCommit.ts';
import { LEDGER_CHANNEL, type AppendResult } from './appendBatch.ts';
import { InvalidEventError } from './ledgerErrors.ts';
import { headPosition, readByIdempotencyKeys, readEvents, type ReadFilter } from './readEvents.ts';
import { verifyLedger } from './verifyLedger.ts';

export type AppendOptions = { expectedVersion?: number };

/**
 * The ledger as the rest of the service sees it: append (validated, group-committed,
 * idempotent), read, verify, and `onAppend` — commits in any process announced, which is how
 * its followers (consumer/ledgerConsumer.ts) know when to read.
 */
export type Ledger = ReturnType<typeof createLedger>;

export function createLedger(storage: Storage, options: GroupCommitOptions = {}) {
  const wake = storage.local;
  // Each commit is heard twice here — from the group commit and as its own NOTIFY echoed back —
  // and a head at or below one already announced tells a follower nothing new (positions are
  // gapless and commit-ordered); passing it on made every follower read once more for nothing.
  let announced = 0;
  const signal = (head: number) => {
    if (!(head > announced)) return;
    announced = head;
    wake.emit('appended', head);
  };
  const group = createGroupCommit(storage.db, {
    ...options,
    onCommit(head, appended) {
      options.onCommit?.(head, appended);
      signal(head);
    },
  });
  let unlisten: Promise<() => Promise<void>> | null = null;
  // After the LISTEN session was lost, commits may have gone unannounced, and after a failover or
  // a restore the head may even be lower than one announced: forget it and wake every follower.
  const onReconnect = () => {
    announced = 0;
    wake.emit('appended', 0);
  };
  const listenOnce = () => (unlisten ??= storage.listen(LEDGER_CHANNEL, (payload) => signal(Number(payload)), onReconnect));

  function append(events: NewEvent[], appendOptions: AppendOptions = {}): Promise<AppendResult> {
    let normalized: NewEvent[];
    try {
      normalized = events.map(validate);
    } catch (error) {
      return Promise.reject(error);
    }
    if (appendOptions.expectedVersion !== undefined) {
      const streams = new Set(normalized.map((e) => e.stream));
      if (streams.size > 1) return Promise.reject(new InvalidEventError('expectedVersion needs all events in one stream'));
    }
    return group.submit({ events: normalized, expectedVersion: appendOptions.expectedVersion });
  }

  return {
    storage,
    append,
    read: (filter?: ReadFilter) => readEvents(storage.db, filter),
    head: () => headPosition(storage.db),
    findByIdempotencyKeys: (keys: string[]) => readByIdempotencyKeys(storage.db, keys),
    verify: () => verifyLedger(storage.db),
    /**
     * Calls `listener` with the head after each commit seen by this process (its own, and on
     * PostgreSQL any process's, through LISTEN); with 0 when the LISTEN session came back after
     * losing its connection (commits may have gone unannounced). Returns the unsubscribe.
     */
    onAppend(listener: (head: number) => void): () => void {
      void listenOnce();
      wake.on('appended', listener);
      return () => wake.off('appended', listener);
    },
    async close(): Promise<void> {
      await group.flushed();
      if (unlisten) await (await unlisten)();
    },
  };
}

function validate(event: NewEvent): NewEvent {
  if (!isEventType(event.type)) throw new InvalidEventError(`unknown event type ${String(event.type)}`);
  const data = EventData[event.type].safeParse(event.data);
  if (!data.success) throw new InvalidEventError(`${event.type}: ${data.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const meta = EventMeta.safeParse(event.meta);
  if (!meta.success) throw new InvalidEventError(`meta: ${meta.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const cleanData = storedForm(data.data);
  return {
    ...event,
    stream: event.stream ?? streamOf(event.type, cleanData),
    data: cleanData,
    meta: storedForm(meta.data),
  } as NewEvent;
}

/**
 * What JSON storage keeps of a validated, flat record (every schema in events.ts is one): no
 * `undefined` fields, no -0. So the event a caller gets back, the hash and the stored row agree.
 * zod's output is a fresh object, so it is changed in place (a stringify + parse of data and meta
 * per event did this before).
 */
function storedForm<T extends Record<string, unknown>>(record: T): T {
  for (const key of Object.keys(record)) {
    const value = record[key];
    if (value === undefined) delete record[key];
    else if (value === 0) (record as Record<string, unknown>)[key] = 0;
    else if (typeof value === 'object' && value !== null) (record as Record<string, unknown>)[key] = JSON.parse(JSON.stringify(value));
  }
  return record;
}
