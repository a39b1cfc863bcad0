import type { Logger } from './observability/logger.ts';

export type StopOnSignalOptions = {
  /** Stops accepting, finishes what is in flight, closes the service. */
  close(): Promise<void>;
  logger: Pick<Logger, 'info' | 'error'>;
  /** How long a drain may take before the process exits anyway (exit code 1). */
  timeoutMs: number;
  signals?: NodeJS.Signals[];
  /** Seams for tests; the real process by default. */
  on?: (signal: NodeJS.Signals, handler: () => void) => void;
  exit?: (code: number) => void;
};

/**
 * Graceful stop for a long-running process: the first SIGTERM or SIGINT drains (`close`) and
 * exits 0, or 1 when the drain fails. A second signal, or a drain still running after
 * `timeoutMs`, exits 1 at once — an orchestrator that sends SIGKILL after its grace period
 * (docker's `stop_grace_period`, Kubernetes' terminationGracePeriodSeconds) should find the
 * process gone already, with the reason in the log.
 */
export function stopOnSignal(options: StopOnSignalOptions): void {
  const on = options.on ?? ((signal, handler) => void process.on(signal, handler));
  const exit = options.exit ?? ((code) => process.exit(code));
  const { logger } = options;
  let stopping = false;
  let exited = false;
  const finish = (code: number) => {
    if (exited) return;
    exited = true;
    exit(code);
  };

  const handle = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.error({ signal }, 'second signal while draining: exiting now');
      finish(1);
      return;
    }
    stopping = true;
    logger.info({ signal, timeoutMs: options.timeoutMs }, 'shutting down: no new connections, draining in-flight requests');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs: options.timeoutMs }, 'drain timed out: exiting with requests still in flight');
      finish(1);
    }, options.timeoutMs);
    options.close().then(
      () => {
        clearTimeout(timer);
        logger.info({ signal }, 'stopped');
        finish(0);
      },
      (error: unknown) => {
        clearTimeout(timer);
        logger.error({ err: error instanceof Error ? error.message : String(error) }, 'shutdown failed');
        finish(1);
      },
    );
  };
  for (const signal of options.signals ?? ['SIGTERM', 'SIGINT']) on(signal, () => handle(signal));
}
