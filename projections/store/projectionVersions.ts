import { sql, type ColumnType, type Kysely } from 'kysely';
import { lockKey } from '../../src/ledger/openStorage.ts';
import type { ProjectionName } from '../projection.ts';
import { projectionTableOf } from './projectionTableOf.ts';
import { tableNameOf, type Queryable } from './projectionTable.ts';

export type VersionStatus = 'building' | 'active' | 'retired';

/** The registry row (migration 0003). */
export interface ProjectionVersionsTable {
  name: string;
  version: number;
  code_version: number;
  status: VersionStatus;
  position: ColumnType<number | string, number | undefined, number>;
  started_at: ColumnType<Date, Date | string | undefined, Date | string>;
  activated_at: Date | string | null;
  retired_at: Date | string | null;
  dropped_at: Date | string | null;
}

export type RegistryDb = Kysely<{ projection_versions: ProjectionVersionsTable }>;

export type ProjectionVersion = {
  name: ProjectionName;
  version: number;
  codeVersion: number;
  status: VersionStatus;
  /** Checkpoint: the last ledger position folded into this version's table. */
  position: number;
  table: string;
};

const registry = (db: Queryable) => db as unknown as RegistryDb;

function fromRow(row: { name: string; version: number; code_version: number; status: VersionStatus; position: number | string }): ProjectionVersion {
  const name = row.name as ProjectionName;
  return { name, version: row.version, codeVersion: row.code_version, status: row.status, position: Number(row.position), table: tableNameOf(name, row.version) };
}

const COLUMNS = ['name', 'version', 'code_version', 'status', 'position'] as const;

/**
 * Serializes every change to one projection's registry (first version, rebuild request, switch,
 * drop) across processes, so concurrent DDL never races; checkpoints do not take it.
 */
async function lockRegistry(trx: Queryable, name: ProjectionName): Promise<void> {
  await sql`select pg_advisory_xact_lock(${lockKey(`projection-registry:${name}`)})`.execute(trx);
}

/**
 * The registry of blue/green versions: which table serves queries (`active`), which one a rebuild
 * is filling (`building`), and each one's checkpoint.
 */
export const ProjectionVersions = {
  async current(db: Queryable, name: ProjectionName): Promise<{ active: ProjectionVersion | null; building: ProjectionVersion | null }> {
    const rows = await registry(db)
      .selectFrom('projection_versions')
      .select(COLUMNS)
      .where('name', '=', name)
      .where('status', 'in', ['active', 'building'])
      .execute();
    const versions = rows.map(fromRow);
    return { active: versions.find((v) => v.status === 'active') ?? null, building: versions.find((v) => v.status === 'building') ?? null };
  },

  async allActive(db: Queryable): Promise<ProjectionVersion[]> {
    const rows = await registry(db).selectFrom('projection_versions').select(COLUMNS).where('status', '=', 'active').execute();
    return rows.map(fromRow);
  },

  async get(db: Queryable, name: ProjectionName, version: number): Promise<ProjectionVersion | null> {
    const row = await registry(db)
      .selectFrom('projection_versions')
      .select(COLUMNS)
      .where('name', '=', name)
      .where('version', '=', version)
      .executeTakeFirst();
    return row ? fromRow(row) : null;
  },

  /**
   * Version 1, active at once: only for a first start on an empty ledger, where there is nothing
   * to fold and queries should not wait for a build to finish. Returns the active version.
   */
  async createActive(db: Queryable, name: ProjectionName, codeVersion: number): Promise<ProjectionVersion> {
    return db.transaction().execute(async (trx) => {
      await lockRegistry(trx, name);
      const { active } = await ProjectionVersions.current(trx, name);
      if (active) return active;
      const version = (await maxVersion(trx, name)) + 1;
      const table = projectionTableOf(name);
      await table.createTable(trx, tableNameOf(name, version));
      await table.createIndexes(trx, tableNameOf(name, version));
      await registry(trx)
        .insertInto('projection_versions')
        .values({ name, version, code_version: codeVersion, status: 'active', position: 0, activated_at: sql`now()` })
        .execute();
      return (await ProjectionVersions.current(trx, name)).active!;
    });
  },

  /**
   * Registers version N+1 as building and creates its table, or returns the version already
   * building. The leader abandons (retires) a build left by other code: its rows would not be
   * what this code folds.
   */
  async startBuilding(
    db: Queryable,
    name: ProjectionName,
    codeVersion: number,
    options: { replaceForeign: boolean },
  ): Promise<ProjectionVersion> {
    return db.transaction().execute(async (trx) => {
      await lockRegistry(trx, name);
      const { building } = await ProjectionVersions.current(trx, name);
      // Only the leader replaces a build of other code; anyone else joins the build under way.
      if (building && (building.codeVersion === codeVersion || !options.replaceForeign)) return building;
      if (building) await retire(trx, name, building.version);
      const version = (await maxVersion(trx, name)) + 1;
      await projectionTableOf(name).createTable(trx, tableNameOf(name, version));
      await registry(trx)
        .insertInto('projection_versions')
        .values({ name, version, code_version: codeVersion, status: 'building', position: 0 })
        .execute();
      return (await ProjectionVersions.current(trx, name)).building!;
    });
  },

  /**
   * Moves a checkpoint from `from` to `to`, only if it still is at `from` and the version is not
   * retired: one row `moved` if it did. applyBatch runs it inside the batch's write, which it
   * gates (see writeRowsQuery). `synchronousCommit: 'off'` sets the statement's commit mode.
   *
   * `erasureEpoch`: the epoch the batch's page was read (and unsealed) at. An erasure bumps it
   * before deleting the erased person's rows, holding the epoch row until it commits; the share
   * lock here waits for such an erasure and then finds the epoch moved, so a batch folded from
   * keys that are gone writes nothing (it is read again, redacted). A write that takes the lock
   * first commits before the erasure deletes — and so is deleted with the rest.
   */
  advanceQuery(name: ProjectionName, version: number, from: number, to: number, options: { synchronousCommit?: 'on' | 'off'; erasureEpoch?: number } = {}) {
    const unmoved = options.erasureEpoch === undefined ? sql`` : sql` and exists (select 1 from erasure_epoch where epoch = ${options.erasureEpoch} for share)`;
    return sql<{ moved: number }>`
      update projection_versions set position = ${to}
      where name = ${name} and version = ${version} and position = ${from} and status <> 'retired'${unmoved}
      returning 1 as moved${options.synchronousCommit ? sql`, set_config('synchronous_commit', ${options.synchronousCommit}, true)` : sql``}`;
  },

  /**
   * The blue/green switch, in one transaction: the building version becomes active and the active
   * one retired, only if the building one has folded at least as far (a reader that waited for a
   * position on the old table must find it on the new one). Returns false to keep building.
   */
  async activate(db: Queryable, name: ProjectionName, building: number): Promise<boolean> {
    return db.transaction().execute(async (trx) => {
      await lockRegistry(trx, name);
      const { active, building: current } = await ProjectionVersions.current(trx, name);
      if (!current || current.version !== building) return false;
      if (active && active.position > current.position) return false;
      if (active) await retire(trx, name, active.version);
      await registry(trx)
        .updateTable('projection_versions')
        .set({ status: 'active', activated_at: sql`now()` })
        .where('name', '=', name)
        .where('version', '=', building)
        .execute();
      return true;
    });
  },

  /**
   * Drops the tables of versions retired more than `afterMs` ago. The delay is what keeps a query
   * that looked the active table up just before a switch from failing: readers cache the name
   * for far less (see activeTable.ts).
   */
  async dropRetired(db: Queryable, name: ProjectionName, afterMs: number): Promise<number[]> {
    return db.transaction().execute(async (trx) => {
      await lockRegistry(trx, name);
      const rows = await registry(trx)
        .selectFrom('projection_versions')
        .select('version')
        .where('name', '=', name)
        .where('status', '=', 'retired')
        .where('dropped_at', 'is', null)
        .where('retired_at', '<', sql<Date>`now() - make_interval(secs => ${afterMs / 1000})`)
        .execute();
      for (const { version } of rows) {
        await sql`drop table if exists ${sql.table(tableNameOf(name, version))}`.execute(trx);
        await registry(trx)
          .updateTable('projection_versions')
          .set({ dropped_at: sql`now()` })
          .where('name', '=', name)
          .where('version', '=', version)
          .execute();
      }
      return rows.map((r) => r.version);
    });
  },
};

async function maxVersion(trx: Queryable, name: ProjectionName): Promise<number> {
  const row = await registry(trx)
    .selectFrom('projection_versions')
    .select(sql<number>`coalesce(max(version), 0)`.as('version'))
    .where('name', '=', name)
    .executeTakeFirstOrThrow();
  return Number(row.version);
}

async function retire(trx: Queryable, name: ProjectionName, version: number): Promise<void> {
  await registry(trx)
    .updateTable('projection_versions')
    .set({ status: 'retired', retired_at: sql`now()` })
    .where('name', '=', name)
    .where('version', '=', version)
    .execute();
}
