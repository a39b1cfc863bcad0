export type PendingPosition = { readonly position: number; finished: boolean };

/**
 * Work handed out in position order and finished in any order: the checkpoint may move past a
 * position only once everything at or before it is finished.
 */
export function createPendingPositions() {
  const pending: PendingPosition[] = [];
  return {
    /** Positions must be added in increasing order. */
    add(position: number): PendingPosition {
      const entry = { position, finished: false };
      pending.push(entry);
      return entry;
    },
    finish(entry: PendingPosition): void {
      entry.finished = true;
      let done = 0;
      while (done < pending.length && pending[done]!.finished) done++;
      if (done > 0) pending.splice(0, done);
    },
    /** Where the checkpoint may stand when everything up to `handedOut` was handed out. */
    safeUpTo(handedOut: number): number {
      return pending.length > 0 ? Math.min(pending[0]!.position - 1, handedOut) : handedOut;
    },
    get size(): number {
      return pending.length;
    },
  };
}

export type PendingPositions = ReturnType<typeof createPendingPositions>;
