import { headers, type MsgHdrs } from 'nats';
import { appidOf, type LedgerEvent } from '../ledger/events.ts';

export const CLOUDEVENTS_SPEC_VERSION = '1.0';

/**
 * The CloudEvents attributes of an event, as the `ce-` headers of the NATS protocol binding's
 * binary content mode (cloudevents/spec, cloudevents/bindings/nats-protocol-binding.md §3.1):
 * the body stays the envelope (the event's `data` in CloudEvents terms), so consumers that
 * ignore headers see no change, and CloudEvents SDKs and routers read the event without a
 * translation step. `ce-id` is the event id, the same value as `Nats-Msg-Id`. Only attributes
 * without personal data: no `ce-subject` (that would be the user's stream).
 */
export function cloudEventAttributes(event: LedgerEvent): [name: string, value: string][] {
  return [
    ['ce-specversion', CLOUDEVENTS_SPEC_VERSION],
    ['ce-id', event.id],
    ['ce-source', `/identity-ledger/${appidOf(event.type, event.data)}`],
    ['ce-type', event.type],
    ['ce-time', event.occurredAt],
    ['ce-datacontenttype', 'application/json'],
  ].map(([name, value]) => [name!, percentEncode(value!)]);
}

/** The attributes as NATS message headers. */
export function cloudEventHeaders(event: LedgerEvent): MsgHdrs {
  const result = headers();
  for (const [name, value] of cloudEventAttributes(event)) result.set(name, value);
  return result;
}

/**
 * §3.1.3.2: space, double quote, percent and everything outside printable ASCII are
 * percent-encoded as UTF-8 bytes (upper-case hex), so a header value is always plain ASCII.
 */
export function percentEncode(value: string): string {
  let out = '';
  for (const char of value) {
    const code = char.codePointAt(0)!;
    if (code >= 0x21 && code <= 0x7e && char !== '"' && char !== '%') out += char;
    else for (const byte of Buffer.from(char, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
