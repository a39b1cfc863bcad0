import type { EventDataOf } from '../../src/ledger/events.ts';

/**
 * A parametric QR code arrives as `EventKey = qrscene_<x>`; when the push carried no separate
 * scene, the EventKey itself is kept verbatim so nothing about its format is lost or guessed.
 */
export function sceneOf(data: EventDataOf<'follow.subscribed'>): string | null {
  return data.scene ?? data.eventKey ?? null;
}
