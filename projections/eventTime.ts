/**
 * Event time decides, not arrival (DESIGN.md §2). Timestamps are compared as instants because
 * the same moment may be written with different offsets or precision by different sources.
 */
export function compareInstants(a: string, b: string): number {
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  if (Number.isFinite(ta) && Number.isFinite(tb) && ta !== tb) return ta < tb ? -1 : 1;
  return 0;
}

/** Event time first; the ledger position breaks ties (WeChat's CreateTime has one-second resolution). */
export function compareEventTime(aAt: string, aPosition: number, bAt: string, bPosition: number): number {
  return compareInstants(aAt, bAt) || Math.sign(aPosition - bPosition);
}

/** The later of two optional instants; on a tie the first, so an unchanged value keeps its identity. */
export function laterInstant(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return compareInstants(b, a) > 0 ? b : a;
}

export function earlierInstant(a: string, b: string): string {
  return compareInstants(b, a) < 0 ? b : a;
}
