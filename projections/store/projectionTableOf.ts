import { dailyStatsTable } from '../dailyStats/dailyStatsTable.ts';
import { followStateTable } from '../followState/followStateTable.ts';
import { identityLinksTable } from '../identityLinks/identityLinksTable.ts';
import type { ProjectionName } from '../projection.ts';
import type { ProjectionTable } from './projectionTable.ts';

const tables = new Map<ProjectionName, ProjectionTable<any>>([identityLinksTable, followStateTable, dailyStatsTable].map((table) => [table.name, table]));

export function projectionTableOf<Row>(name: ProjectionName): ProjectionTable<Row> {
  const table = tables.get(name);
  if (!table) throw new RangeError(`unknown projection ${String(name)}`);
  return table as ProjectionTable<Row>;
}
