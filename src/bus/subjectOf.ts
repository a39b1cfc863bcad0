import { appidOf, type LedgerEvent } from '../ledger/events.ts';

export const STREAM_NAME = 'IDENTITY_EVENTS';
export const SUBJECT_PREFIX = 'identity.events';

/** `identity.events.<type>.<appid>`; the type keeps its dots (`follow.subscribed`). */
export function subjectOf(event: LedgerEvent, prefix = SUBJECT_PREFIX): string {
  return `${prefix}.${event.type}.${subjectToken(appidOf(event.type, event.data))}`;
}

/** A subject token may not contain separators or wildcards. */
function subjectToken(value: string): string {
  return value.replace(/[.*>\s]/g, '_') || '_';
}
