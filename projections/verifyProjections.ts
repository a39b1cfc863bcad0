import canonicalize from 'canonicalize';
import type { LedgerEvent } from '../src/ledger/events.ts';
import type { Ledger } from '../src/ledger/ledger.ts';
import { MAX_READ_LIMIT } from '../src/ledger/readEvents.ts';
import { DEFAULT_PROJECTIONS } from './projectionRunner.ts';
import type { Projection, ProjectionContext, ProjectionName } from './projection.ts';
import { ProjectionUnavailableError } from './projectionErrors.ts';
import { projectionTableOf } from './store/projectionTableOf.ts';
import { ProjectionVersions } from './store/projectionVersions.ts';

export type ProjectionDifference = { key: string; live: unknown; expected: unknown };

export type ProjectionVerification = {
  name: ProjectionName;
  ok: boolean;
  /** Keys compared (present on either side). */
  checked: number;
  /** The first differences, at most 20. */
  differences: ProjectionDifference[];
  /** How many keys differ in all. */
  count: number;
  version: number;
  checkpoint: number;
};

const MAX_REPORTED = 20;

/**
 * Compares each active table with a fresh fold of the ledger up to that table's checkpoint. The
 * rows and the checkpoint are read in one snapshot (repeatable read), so a batch applied
 * meanwhile cannot make a correct table look wrong.
 */
export async function verifyProjections(
  ledger: Ledger,
  ctx: ProjectionContext,
  projections: readonly Projection<any>[] = DEFAULT_PROJECTIONS,
): Promise<ProjectionVerification[]> {
  const results: ProjectionVerification[] = [];
  for (const projection of projections) results.push(await verifyOne(ledger, ctx, projection));
  return results;
}

async function verifyOne<Row>(ledger: Ledger, ctx: ProjectionContext, projection: Projection<Row>): Promise<ProjectionVerification> {
  const table = projectionTableOf<Row>(projection.name);
  const snapshot = await ledger.storage.db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      const { active } = await ProjectionVersions.current(trx, projection.name);
      if (!active) throw new ProjectionUnavailableError(projection.name);
      // The first statement fixes the snapshot; the checkpoint is read in it, too.
      const rows = await table.readAll(trx, active.table);
      const checkpoint = (await ProjectionVersions.get(trx, projection.name, active.version))!.position;
      return { version: active.version, checkpoint, rows };
    });
  const expected = projection.foldAll(await eventsUpTo(ledger, snapshot.checkpoint), ctx);
  const live = new Map<string, Row>(snapshot.rows.map((row) => [table.keyOfRow(row), row]));
  const differences: ProjectionDifference[] = [];
  let count = 0;
  const keys = new Set([...live.keys(), ...expected.keys()]);
  for (const key of [...keys].sort()) {
    const a = live.get(key) ?? null;
    const b = expected.get(key) ?? null;
    if (canonicalize(a) === canonicalize(b)) continue;
    count++;
    if (differences.length < MAX_REPORTED) differences.push({ key, live: a, expected: b });
  }
  return { name: projection.name, ok: count === 0, checked: keys.size, differences, count, version: snapshot.version, checkpoint: snapshot.checkpoint };
}

async function eventsUpTo(ledger: Ledger, upTo: number): Promise<LedgerEvent[]> {
  const events: LedgerEvent[] = [];
  let after = 0;
  while (after < upTo) {
    const page = await ledger.read({ after, upTo, limit: MAX_READ_LIMIT });
    if (page.length === 0) break;
    events.push(...page);
    after = page[page.length - 1]!.position;
  }
  return events;
}

