/** Errors an append can end in. Each carries a stable `code` for HTTP error bodies. */
export class IdempotencyConflictError extends Error {
  override name = 'IdempotencyConflictError';
  readonly code = 'idempotency_conflict';
  constructor(readonly idempotencyKey: string) {
    // The key itself is not in the message: keys name openids and codes, and messages reach logs and responses.
    super('this idempotency key was already used for a different event');
  }
}

export class WrongExpectedVersionError extends Error {
  override name = 'WrongExpectedVersionError';
  readonly code = 'wrong_expected_version';
  constructor(
    readonly stream: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`stream ${stream} is at version ${actual}, expected ${expected}`);
  }
}

export class InvalidEventError extends Error {
  override name = 'InvalidEventError';
  readonly code = 'invalid_event';
}

/** The database could not be reached or refused the write: the caller must not report success. */
export class LedgerUnavailableError extends Error {
  override name = 'LedgerUnavailableError';
  readonly code = 'ledger_unavailable';
}
