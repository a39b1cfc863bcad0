/**
 * Polls `check` until it holds; throws when `timeoutMs` passes first, naming `what`.
 * For conditions reached by background work (relays, daemons, subscribers).
 */
export async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, what = 'condition', pollMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
