import { randomUUID } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { Database } from './database.ts';
import type { Storage } from './openStorage.ts';
import { EventData, EventMeta, isEventType, type NewEvent } from './events.ts';
import { createGroupCommit, type GroupCommitOptions } from './groupCommit.ts';
import { appendBatch, type AppendResult } from './appendBatch.ts';
import { LEDGER_APPEND_LOCK, LEDGER_CHANNEL } from './ledgerLock.ts';
import { InvalidEventError, LedgerUnavailableError } from './ledgerErrors.ts';
import { isConnectionError } from './isConnectionError.ts';
import { prepareEvent } from './prepareEvent.ts';
import { headPosition, readByIdempotencyKeys, readEvents, readLedgerPage, type ReadContext, type ReadFilter } from './readEvents.ts';
import { verifyLedger } from './verifyLedger.ts';
import { createKeyring, DEVELOPMENT_MASTER_KEY, type Keyring } from './keys/masterKeys.ts';
import { loadPseudonymSecret } from './keys/ledgerSecrets.ts';
import { createPseudonyms, type Pseudonyms } from './keys/pseudonyms.ts';
import { createSubjectKeys, type SubjectKeys } from './keys/subjectKeys.ts';

export type AppendOptions = { expectedVersion?: number };

export type LedgerOptions = GroupCommitOptions & {
  /**
   * Master keys, current first (decoded, 32 bytes each): they wrap the ledger's keys in the
   * database. Defaults to a fixed development key — for tests and benchmarks only; the service
   * always passes the configured one (src/config/masterKey.ts).
   */
  masterKeys?: readonly Buffer[];
  /** False only to measure what sealing personal data costs (bench/append.ts): fields stay clear. */
  sealing?: boolean;
};

/** Everything the ledger needs that is read from the database once: the pseudonym secret. */
export type LedgerPrivacy = { keyring: Keyring; pseudonyms: Pseudonyms; subjectKeys: SubjectKeys };

/**
 * The ledger as the rest of the service sees it: append (validated, group-committed,
 * idempotent), read, verify, and `onAppend` — commits in any process announced, which is how
 * its followers (consumer/ledgerConsumer.ts) know when to read.
 */
export type Ledger = ReturnType<typeof createLedger>;

export function createLedger(storage: Storage, options: LedgerOptions = {}) {
  const wake = storage.local;
  const [current = DEVELOPMENT_MASTER_KEY, ...previous] = options.masterKeys ?? [];
  const keyring = createKeyring(current, previous);
  const subjectKeys = createSubjectKeys(keyring);
  // The pseudonym secret is read (or, in a new database, created) once, before the first append
  // or read; a failed attempt (the database was unreachable) is not remembered, the next use retries.
  let loaded: Promise<LedgerPrivacy> | null = null;
  const privacy = (): Promise<LedgerPrivacy> => {
    loaded ??= loadPseudonymSecret(storage.db, keyring).then(
      (secret) => ({ keyring, pseudonyms: createPseudonyms(secret), subjectKeys }),
      (error: unknown) => {
        loaded = null;
        throw error;
      },
    );
    return loaded;
  };
  const readContext = async (): Promise<ReadContext> => {
    const { pseudonyms, subjectKeys } = await privacy();
    return { db: storage.db, pseudonyms, subjectKeys };
  };
  // Each commit is heard twice here — from the group commit and as its own NOTIFY echoed back —
  // and a head at or below one already announced tells a follower nothing new (positions are
  // gapless and commit-ordered); passing it on made every follower read once more for nothing.
  let announced = 0;
  const signal = (head: number) => {
    if (!(head > announced)) return;
    announced = head;
    wake.emit('appended', head);
  };
  let group: ReturnType<typeof createGroupCommit> | null = null;
  const groupCommit = async () =>
    (group ??= createGroupCommit(storage.db, { ...(await privacy()), sealing: options.sealing ?? true, newId: randomUUID }, {
    ...options,
    onCommit(head, appended) {
      options.onCommit?.(head, appended);
      signal(head);
    },
  }));
  let unlisten: Promise<() => Promise<void>> | null = null;
  // After the LISTEN session was lost, commits may have gone unannounced, and after a failover or
  // a restore the head may even be lower than one announced: forget it and wake every follower.
  const onReconnect = () => {
    announced = 0;
    wake.emit('appended', 0);
  };
  const listenOnce = () => (unlisten ??= storage.listen(LEDGER_CHANNEL, (payload) => signal(Number(payload)), onReconnect));

  async function append(events: NewEvent[], appendOptions: AppendOptions = {}): Promise<AppendResult> {
    const normalized = events.map(validate);
    const commits = group ?? (await groupCommit());
    return commits.submit({ events: normalized, expectedVersion: appendOptions.expectedVersion });
  }

  /**
   * Runs `work` in one transaction that holds the ledger's append lock from its first statement,
   * so no append interleaves with it; `append` adds events inside that transaction (one
   * `ledger_append` call each, all or nothing with the rest of `work`). Followers are woken after
   * the commit. Erasure uses it: deleting keys and recording the erasure is one atomic step.
   */
  async function exclusive<T>(work: (trx: Transaction<Database>, append: (events: NewEvent[]) => Promise<AppendResult>) => Promise<T>): Promise<T> {
    const { pseudonyms, subjectKeys } = await privacy();
    const ctx = { pseudonyms, subjectKeys, sealing: options.sealing ?? true, newId: randomUUID };
    let head = 0;
    let appended = 0;
    let result: T;
    try {
      result = await storage.db.transaction().execute(async (trx) => {
        await sql`select pg_advisory_xact_lock(${LEDGER_APPEND_LOCK})`.execute(trx);
        return work(trx, async (events) => {
          const recordedAt = new Date().toISOString();
          const valid = events.map(validate);
          const prepared = { events: valid.map((event) => prepareEvent(event, ctx, recordedAt)), logicalKeys: valid.map((event) => event.meta.idempotencyKey) };
          const batch = await appendBatch(trx, [prepared], subjectKeys);
          const outcome = batch.outcomes[0]!;
          if (!outcome.ok) throw 'error' in outcome ? outcome.error : new LedgerUnavailableError('a subject key changed during an exclusive append');
          head = Math.max(head, batch.head);
          appended += batch.appended;
          return outcome.result;
        });
      });
    } catch (error) {
      if (isConnectionError(error)) throw new LedgerUnavailableError(`ledger transaction failed: ${(error as Error).message}`, { cause: error });
      throw error;
    }
    if (appended > 0) {
      options.onCommit?.(head, appended);
      signal(head);
    }
    return result;
  }

  return {
    storage,
    append,
    exclusive,
    read: async (filter?: ReadFilter) => readEvents(await readContext(), filter),
    /** The consumer's page: every event after `after`, with the erasure epoch of its snapshot (readLedgerPage). */
    readPage: async (after: number, limit: number) => readLedgerPage(await readContext(), after, limit),
    head: () => headPosition(storage.db),
    findByIdempotencyKeys: async (keys: string[]) => readByIdempotencyKeys(await readContext(), keys),
    verify: () => verifyLedger(storage.db),
    /**
     * The keys and pseudonyms, for the modules that erase (src/erasure/) and read the ledger
     * narrowly. The service awaits it at start, so a wrong master key stops the start.
     */
    privacy,
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
      await group?.flushed();
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
  return { ...event, data: storedForm(data.data), meta: storedForm(meta.data) } as NewEvent;
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

