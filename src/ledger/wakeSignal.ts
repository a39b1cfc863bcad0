/**
 * "Sleep until woken or until the timeout" for the service's loops (the ledger consumer, the job
 * runner). `wake()` between a loop's work and its sleep is not slept through: it sets
 * `signalled`, which the loop clears before its work and which makes the next sleep return at once.
 */
export function createWakeSignal() {
  let wakeUp: (() => void) | null = null;
  const signal = {
    signalled: false,
    wake(): void {
      signal.signalled = true;
      wakeUp?.();
    },
    /** Resolves after `ms`, or at once when woken meanwhile (or already signalled). */
    sleep(ms: number): Promise<void> {
      if (signal.signalled) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          wakeUp = null;
          resolve();
        }
        wakeUp = done;
      });
    },
  };
  return signal;
}

export type WakeSignal = ReturnType<typeof createWakeSignal>;
