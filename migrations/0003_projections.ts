import { sql, type Kysely } from 'kysely';

/**
 * The registry of projection versions (blue/green). Projection tables themselves are versioned
 * (`proj_<name>_v<N>`) and created by the projection code, whose DDL sits next to its fold: a
 * rebuild creates version N+1 while N keeps serving, then one transaction swaps which one is
 * active. `position` is the version's checkpoint: the last ledger position folded into it,
 * written in the same transaction as the rows (exactly-once).
 *
 * At most one active and one building version per projection; a concurrent second rebuild
 * request loses on the unique index and joins the one already building.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table projection_versions (
      name text not null,
      version integer not null,
      code_version integer not null,
      status text not null check (status in ('building', 'active', 'retired')),
      position bigint not null default 0,
      started_at timestamptz not null default now(),
      activated_at timestamptz,
      retired_at timestamptz,
      dropped_at timestamptz,
      primary key (name, version)
    )`.execute(db);
  await sql`create unique index projection_versions_one_active on projection_versions (name) where status = 'active'`.execute(db);
  await sql`create unique index projection_versions_one_building on projection_versions (name) where status = 'building'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table projection_versions`.execute(db);
}
