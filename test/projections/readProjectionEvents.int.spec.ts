import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ledger } from '../../src/ledger/ledger.ts';
import { readProjectionEvents } from '../../projections/readProjectionEvents.ts';
import { openTestLedger, type TestLedger } from '../support/testDatabase.ts';
import { appendAll, peopleEvents } from './support/backlog.ts';
import { newEvents as e } from './support/newIdentityEvents.ts';

describe('the narrow ledger read the daemon folds from', () => {
  for (const kind of ['postgres', 'pglite'] as const) {
    describe(kind, () => {
      let env: TestLedger;
      let ledger: Ledger;
      beforeAll(async () => {
        env = await openTestLedger(kind);
        ledger = env.ledger;
      });
      afterAll(async () => {
        await env.cleanup();
      });

      it('gives the folds exactly what ledger.read gives them: position, type, data, source, event time', async () => {
        await appendAll(ledger, peopleEvents(50, 'narrow'));
        await ledger.append([
          { ...e.subscribed('wxoa', 'odd"\\,{}é😀'), occurredAt: '2024-02-29T23:59:59.999+08:00' },
          { ...e.unsubscribed('wxoa', 'early'), occurredAt: '1999-12-31T23:59:59Z' },
          { ...e.login('wxmp', 'now') },
        ]);
        const full = await ledger.read({ limit: 10_000 });
        const narrow = await readProjectionEvents(ledger, 0, 10_000);
        const folded = (events: typeof full) => events.map((ev) => ({ position: ev.position, type: ev.type, data: ev.data, source: ev.meta.source, occurredAt: ev.occurredAt }));
        expect(folded(narrow)).toEqual(folded(full));
        expect(narrow.at(-3)!.occurredAt).toBe('2024-02-29T15:59:59.999Z');
        expect((await readProjectionEvents(ledger, 10, 5)).map((ev) => ev.position)).toEqual([11, 12, 13, 14, 15]);
      });
    });
  }
});
