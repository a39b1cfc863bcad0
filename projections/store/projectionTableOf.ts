import { followStateTable } from '../followState/followStateTable.ts';
import { identityLinksTable } from '../identityLinks/identityLinksTable.ts';
import type { ProjectionName } from '../projection.ts';
import type { ProjectionTable } from './projectionTable.ts';

const tables: Record<ProjectionName, ProjectionTable<any>> = {
  'identity-links': identityLinksTable,
  'follow-state': followStateTable,
};

export const PROJECTION_NAMES = Object.keys(tables) as ProjectionName[];

export function projectionTableOf<Row>(name: ProjectionName): ProjectionTable<Row> {
  const table = tables[name];
  if (!table) throw new RangeError(`unknown projection ${String(name)}`);
  return table as ProjectionTable<Row>;
}

export function isProjectionName(value: string): value is ProjectionName {
  return Object.hasOwn(tables, value);
}
