/** The projection daemon and the runner of both projections: the entry point the service uses. */
export {
  createProjectionDaemon,
  type AppliedBatch,
  type ProjectionDaemon,
  type ProjectionDaemonOptions,
  type ProjectionStatus,
} from './projectionDaemon.ts';
export {
  createProjectionRunner,
  DEFAULT_PROJECTIONS,
  type ProjectionRunner,
  type ProjectionRunnerOptions,
  type RebuildStarted,
} from './projectionRunner.ts';
