/**
 * Polls `check` until it returns something truthy, and returns that; throws when `timeoutMs`
 * passes first, naming `what`. The one way tests wait for background work (consumers, relays,
 * jobs, servers): on a condition, never for a fixed time.
 */
export async function until<T>(
  check: () => Promise<T> | T,
  timeoutMs: number,
  what: string | (() => string) = 'condition',
  pollMs = 20,
): Promise<Exclude<T, false | null | undefined | 0 | ''>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as Exclude<T, false | null | undefined | 0 | ''>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
