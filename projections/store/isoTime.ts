/**
 * A timestamptz as the folds write it: `Date#toISOString()` (UTC, milliseconds), which is also how
 * the ledger hands out `occurredAt`. pg returns Date objects, PGlite may too; both round-trip.
 */
export function isoTime(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

export function isoTimeOrNull(value: Date | string | null | undefined): string | null {
  return value === null || value === undefined ? null : isoTime(value);
}
