import { sql } from 'kysely';
import type { Storage } from '../src/ledger/openStorage.ts';
import type { ProjectionName } from './projection.ts';

/** NOTIFY channel telling the leader of a projection, in whichever process, that a rebuild was requested. */
export const REBUILD_CHANNEL = 'identity_projection_rebuild';
const LOCAL_EVENT = 'projection:rebuild';

type Shared = { users: number; unlisten: Promise<() => Promise<void>> | null };
const shared = new WeakMap<Storage, Shared>();

/** Wakes the rebuild of `name` at once: in this process directly, in others through NOTIFY. */
export async function signalRebuild(storage: Storage, name: ProjectionName): Promise<void> {
  storage.local.emit(LOCAL_EVENT, name);
  if (storage.kind === 'postgres') await sql`select pg_notify(${REBUILD_CHANNEL}, ${name})`.execute(storage.db);
}

/** One LISTEN connection per Storage, however many runners listen. Returns the unsubscribe. */
export function onRebuildRequested(storage: Storage, listener: (name: ProjectionName) => void): () => Promise<void> {
  storage.local.on(LOCAL_EVENT, listener);
  let entry = shared.get(storage);
  if (!entry) shared.set(storage, (entry = { users: 0, unlisten: null }));
  entry.users++;
  if (storage.kind === 'postgres' && !entry.unlisten) {
    entry.unlisten = storage.listen(REBUILD_CHANNEL, (payload) => storage.local.emit(LOCAL_EVENT, payload));
    entry.unlisten.catch(() => {});
  }
  const current = entry;
  return async () => {
    storage.local.off(LOCAL_EVENT, listener);
    if (--current.users > 0 || !current.unlisten) return;
    const unlisten = current.unlisten;
    current.unlisten = null;
    await (await unlisten.catch(() => null))?.();
  };
}
