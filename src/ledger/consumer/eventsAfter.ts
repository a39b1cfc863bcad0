import type { LedgerEvent } from '../events.ts';

/** The events of `events` (in position order) after `position`. */
export function eventsAfter(events: readonly LedgerEvent[], position: number): readonly LedgerEvent[] {
  if (events.length === 0 || events[0]!.position > position) return events;
  let low = 0;
  let high = events.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (events[middle]!.position <= position) low = middle + 1;
    else high = middle;
  }
  return events.slice(low);
}
