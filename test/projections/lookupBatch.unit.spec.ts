import { describe, expect, it } from 'vitest';
import type { Queryable } from '../../projections/store/projectionTable.ts';
import { MAX_BATCH, lookUpInBatch, paddedParameters, statementSize } from '../../projections/store/lookupBatch.ts';

/** A stand-in database: the batcher only uses it to keep each database's lookups apart. */
const fakeDb = () => ({}) as Queryable;

describe('lookUpInBatch', () => {
  it('sends the lookups of one turn as one batch, answering each caller with its own answer', async () => {
    const db = fakeDb();
    const batches: unknown[][] = [];
    const run = async (batch: readonly (readonly unknown[])[]) => {
      batches.push(batch.map((args) => args[0]));
      return batch.map((args) => `answer ${String(args[0])}`);
    };
    const answers = await Promise.all(['a', 'b', 'a', 'c'].map((x) => lookUpInBatch(db, 'k', [x], run)));
    expect(answers).toEqual(['answer a', 'answer b', 'answer a', 'answer c']);
    expect(batches).toEqual([['a', 'b', 'a', 'c']]);
    // The next turn is a new batch.
    expect(await lookUpInBatch(db, 'k', ['d'], run)).toBe('answer d');
    expect(batches).toEqual([['a', 'b', 'a', 'c'], ['d']]);
  });

  it('keeps keys and databases apart, and splits a turn into batches of at most MAX_BATCH', async () => {
    const [db1, db2] = [fakeDb(), fakeDb()];
    const seen: string[] = [];
    const runFor = (name: string) => async (batch: readonly (readonly unknown[])[]) => {
      seen.push(`${name}:${batch.length}`);
      return batch.map((args) => args[0]);
    };
    const lookups = [
      ...Array.from({ length: MAX_BATCH + 3 }, (_, i) => lookUpInBatch(db1, 'x', [i], runFor('db1 x'))),
      lookUpInBatch(db1, 'y', ['y'], runFor('db1 y')),
      lookUpInBatch(db2, 'x', ['other'], runFor('db2 x')),
    ];
    const answers = await Promise.all(lookups);
    expect(answers).toEqual([...Array.from({ length: MAX_BATCH + 3 }, (_, i) => i), 'y', 'other']);
    expect(seen.sort()).toEqual([`db1 x:${MAX_BATCH}`, 'db1 x:3', 'db1 y:1', 'db2 x:1'].sort());
  });

  it('fails every lookup of a batch whose statement fails, and only those', async () => {
    const db = fakeDb();
    const failing = async () => {
      throw new Error('connection reset');
    };
    const thrown = () => {
      throw new Error('bad statement');
    };
    const results = await Promise.allSettled([
      lookUpInBatch(db, 'fails', [1], failing),
      lookUpInBatch(db, 'fails', [2], failing),
      lookUpInBatch(db, 'throws', [3], thrown),
      lookUpInBatch(db, 'works', [4], async (batch) => batch.map(() => 'ok')),
      lookUpInBatch(db, 'short', [5], async () => []),
    ]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([
      'connection reset',
      'connection reset',
      'bad statement',
      'ok',
      'lookUpInBatch: 0 answers for 1 lookups',
    ]);
  });
  it("asks again one by one when a key's value fails the statement (a data exception), so only its caller gets the error", async () => {
    const db = fakeDb();
    const statements: unknown[][] = [];
    const run = async (batch: readonly (readonly unknown[])[]) => {
      statements.push(batch.map((args) => args[0]));
      if (batch.some((args) => args[0] === 'bad')) throw Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' });
      return batch.map((args) => `answer ${String(args[0])}`);
    };
    const results = await Promise.allSettled(['a', 'bad', 'c'].map((x) => lookUpInBatch(db, 'k', [x], run)));
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual(['answer a', 'invalid byte sequence for encoding "UTF8": 0x00', 'answer c']);
    expect(statements).toEqual([['a', 'bad', 'c'], ['a'], ['bad'], ['c']]);
  });
});

describe('statementSize and paddedParameters', () => {
  it('rounds a batch up to a power of two, at most MAX_BATCH, padding with rows of nulls', () => {
    expect([1, 2, 3, 4, 5, 9, MAX_BATCH, MAX_BATCH + 1].map(statementSize)).toEqual([1, 2, 4, 4, 8, 16, MAX_BATCH, MAX_BATCH]);
    expect(paddedParameters([['a', 'b'], ['c', 'd'], ['e', 'f']], 4, 2)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', null, null]);
  });
});
