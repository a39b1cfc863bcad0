/** Errors of the read side. Each carries a stable `code` for HTTP error bodies. */

/** No active version yet (the projections have never run on this database): answer 503. */
export class ProjectionUnavailableError extends Error {
  override name = 'ProjectionUnavailableError';
  readonly code = 'projection_unavailable';
  constructor(readonly projection: string) {
    super(`projection ${projection} has no active version yet`);
  }
}

/** `waitFor` gave up: the projections did not reach the position in time. */
export class ProjectionLagError extends Error {
  override name = 'ProjectionLagError';
  readonly code = 'projection_lag';
  constructor(
    readonly position: number,
    readonly checkpoints: Record<string, number>,
  ) {
    super(`projections did not reach position ${position} in time (${Object.entries(checkpoints).map(([n, c]) => `${n} at ${c}`).join(', ')})`);
  }
}

/** A rebuild ended without its version becoming active (abandoned for newer code). */
export class RebuildAbandonedError extends Error {
  override name = 'RebuildAbandonedError';
  readonly code = 'rebuild_abandoned';
}
