/**
 * Works on up to `concurrency` chunks at once and commits their results strictly in source
 * order, so a saved cursor only ever covers chunks whose work is complete: after a crash, the
 * chunks after the cursor are redone (their effects must be idempotent), none is skipped.
 *
 * On the first failure no new chunk is started; chunks in flight are let finish (so nothing of
 * this run is still writing when the caller reacts), the chunks before the failed one are still
 * committed, and the failure is thrown.
 */
export async function forEachInOrder<T, R>(
  source: AsyncIterable<T>,
  options: { concurrency: number; signal?: AbortSignal },
  work: (chunk: T) => Promise<R>,
  commit: (chunk: T, result: R) => Promise<void>,
): Promise<void> {
  const inFlight: { chunk: T; done: Promise<{ ok: true; value: R } | { ok: false; error: unknown }> }[] = [];
  const start = (chunk: T) =>
    inFlight.push({
      chunk,
      done: work(chunk).then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error }),
      ),
    });
  const commitHead = async () => {
    const head = inFlight.shift()!;
    const outcome = await head.done;
    if (!outcome.ok) throw outcome.error;
    await commit(head.chunk, outcome.value);
  };

  try {
    for await (const chunk of source) {
      options.signal?.throwIfAborted();
      start(chunk);
      if (inFlight.length >= Math.max(1, options.concurrency)) await commitHead();
    }
    while (inFlight.length > 0) await commitHead();
  } catch (error) {
    await Promise.all(inFlight.map((entry) => entry.done));
    inFlight.length = 0;
    throw error;
  }
}
