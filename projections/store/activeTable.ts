import type { ProjectionName } from '../projection.ts';
import { ProjectionUnavailableError } from '../projectionErrors.ts';
import type { Queryable } from './projectionTable.ts';
import { ProjectionVersions, type ProjectionVersion } from './projectionVersions.ts';

/**
 * How long a looked-up name is trusted. Retired tables are dropped only well after a switch
 * (`dropRetiredAfterMs`, 30 s by default), so a cached name never points at a dropped table; and
 * the process that switches, and any `waitFor` that reads the registry, refresh the cache at once,
 * so read-your-writes holds across a switch.
 */
export const ACTIVE_TABLE_TTL_MS = 1000;

type Cached = { table: string; version: number; until: number };
const caches = new WeakMap<object, Map<ProjectionName, Cached>>();

function cacheOf(db: Queryable): Map<ProjectionName, Cached> {
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = new Map()));
  return cache;
}

const lookups = new WeakMap<object, Promise<ProjectionVersion[]>>();

/**
 * The registry read for a cache refresh, shared by every query that finds the cache expired
 * while it runs: at 2k queries/s each expiry otherwise sent dozens of identical reads.
 */
function lookUpActive(db: Queryable): Promise<ProjectionVersion[]> {
  let lookup = lookups.get(db);
  if (!lookup) {
    lookup = ProjectionVersions.allActive(db).then((versions) => {
      rememberActiveTables(db, versions);
      return versions;
    });
    const forget = () => lookups.delete(db);
    lookup.then(forget, forget);
    lookups.set(db, lookup);
  }
  return lookup;
}

/** The table of the active version of a projection: the one queries read. */
export async function activeTableName(db: Queryable, name: ProjectionName): Promise<string> {
  const cached = cacheOf(db).get(name);
  if (cached && cached.until > Date.now()) return cached.table;
  const active = (await lookUpActive(db)).find((v) => v.name === name);
  if (!active) throw new ProjectionUnavailableError(name);
  return active.table;
}

/** Refreshes the cache from a registry read someone already made (a switch, a `waitFor`). */
export function rememberActiveTables(db: Queryable, versions: readonly ProjectionVersion[]): void {
  const cache = cacheOf(db);
  const until = Date.now() + ACTIVE_TABLE_TTL_MS;
  for (const v of versions) {
    if (v.status !== 'active') continue;
    const cached = cache.get(v.name);
    // A slower concurrent lookup must not put back a version older than one already seen.
    if (cached && cached.version > v.version) continue;
    cache.set(v.name, { table: v.table, version: v.version, until });
  }
}
