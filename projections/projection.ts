import type { LedgerEvent } from '../src/ledger/events.ts';
import type { Key } from './key.ts';

export type AccountKind = 'oa' | 'mp' | 'web';
/** Every projection, by name: the one list (the HTTP routes, the CLI, the tables go by it). */
export const PROJECTION_NAMES = ['identity-links', 'follow-state', 'daily-stats'] as const;
export type ProjectionName = (typeof PROJECTION_NAMES)[number];

export function isProjectionName(value: string): value is ProjectionName {
  return (PROJECTION_NAMES as readonly string[]).includes(value);
}

/** What a fold may know besides the events. Never the clock: a rebuild must give the same rows. */
export type ProjectionContext = {
  /** The configured kind of an account; undefined for an appid the configuration does not name. */
  kindOf(appid: string): AccountKind | undefined;
};

/**
 * What the projection processors need to drive any projection without knowing it: the keys a
 * batch touches (so they load only those rows), how one event changes them, and a fold from
 * scratch (`verify` compares it with the live tables).
 */
export type Projection<Row> = {
  name: ProjectionName;
  /** Bump whenever the same events would fold to different rows: the projections rebuild on a mismatch. */
  codeVersion: number;
  keysOf(event: LedgerEvent): Key[];
  /**
   * Folds one event into `rows` (keyed by `keyOf`). The caller must have loaded every key of
   * `keysOf(event)` that has a row; a missing key means "no row yet". Changed rows are replaced by
   * new objects, never mutated, and their keys returned, so the caller upserts exactly those.
   */
  evolve(rows: Map<string, Row>, event: LedgerEvent, ctx: ProjectionContext): string[];
  foldAll(events: Iterable<LedgerEvent>, ctx: ProjectionContext): Map<string, Row>;
};
