/**
 * 45009 means an API's daily quota is gone: every further call until WeChat resets it only burns
 * time (and, for token calls, would tempt a refresh loop). The circuit remembers that per API and
 * fails calls locally until `cooldownMs` has passed; the first call after it probes again.
 */
export type QuotaCircuit = {
  /** Milliseconds until `api` may be called again; 0 when closed. */
  openFor(api: string): number;
  open(api: string): void;
};

export function createQuotaCircuit(cooldownMs: number, now: () => number = Date.now): QuotaCircuit {
  const openUntil = new Map<string, number>();
  return {
    openFor(api) {
      const until = openUntil.get(api);
      if (until === undefined) return 0;
      const left = until - now();
      if (left > 0) return left;
      openUntil.delete(api);
      return 0;
    },
    open(api) {
      openUntil.set(api, now() + cooldownMs);
    },
  };
}
