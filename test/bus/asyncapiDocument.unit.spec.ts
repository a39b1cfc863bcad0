import { Parser } from '@asyncapi/parser';
import { describe, expect, it } from 'vitest';
import { asyncapiDocument } from '../../src/bus/asyncapiDocument.ts';
import { EVENT_TYPES } from '../../src/ledger/events.ts';

describe('the AsyncAPI document', () => {
  it('is valid AsyncAPI 3.0 (the reference parser finds no error or warning)', async () => {
    const { document, diagnostics } = await new Parser().parse(JSON.stringify(asyncapiDocument()));
    const problems = diagnostics.filter((d) => d.severity <= 1).map((d) => `${d.path.join('.')}: ${d.message}`);
    expect(problems).toEqual([]);
    expect(document).toBeDefined();
  });

  it('has a channel per event type on identity.events.<type>.{appid}, sent by the service', () => {
    const doc = asyncapiDocument() as { channels: Record<string, { address: string }>; operations: Record<string, { action: string }> };
    expect(Object.keys(doc.channels)).toEqual(EVENT_TYPES);
    for (const type of EVENT_TYPES) {
      expect(doc.channels[type]!.address).toBe(`identity.events.${type}.{appid}`);
      expect(doc.operations[`publish.${type}`]!.action).toBe('send');
    }
  });
});
