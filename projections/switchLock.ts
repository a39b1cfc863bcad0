/**
 * Keeps a rebuild's switch and the live projections' writes apart within one process: while the
 * switch holds it, the active version's checkpoint stands still, so the build can catch up with
 * it exactly and take over (projectionRebuild.ts). Across processes the switch's own checks keep
 * it correct; this only makes it succeed at the first try under a steady stream of appends.
 */
export type SwitchLock = { run<T>(work: () => Promise<T>): Promise<T> };

export function createSwitchLock(): SwitchLock {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    run(work) {
      const result = tail.then(work);
      tail = result.catch(() => {});
      return result;
    },
  };
}
