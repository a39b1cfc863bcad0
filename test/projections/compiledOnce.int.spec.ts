import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeCompiledOnce } from '../../projections/store/compiledOnce.ts';
import { openTestStorage } from '../support/testDatabase.ts';

describe('executeCompiledOnce', () => {
  let env: Awaited<ReturnType<typeof openTestStorage>>;
  beforeAll(async () => {
    env = await openTestStorage('pglite');
  });
  afterAll(async () => {
    await env?.cleanup();
  });

  it('compiles a statement once per key and passes the arguments wherever the statement uses them', async () => {
    let built = 0;
    // The arguments appear in the SQL in another order than they are passed.
    const build = (a: unknown, b: unknown, c: unknown) => {
      built++;
      return sql<{ x: string }>`select ${c}::text || ${a}::text || ${b}::text || ${c}::text as x`;
    };
    const first = await executeCompiledOnce(env.storage.db, 'order', build, ['a1', 'b1', 'c1']);
    const second = await executeCompiledOnce(env.storage.db, 'order', build, ['a2', 'b2', 'c2']);
    expect(first.rows).toEqual([{ x: 'c1a1b1c1' }]);
    expect(second.rows).toEqual([{ x: 'c2a2b2c2' }]);
    expect(built).toBe(1);
  });

  it('refuses a statement with a parameter that is not one of the arguments', async () => {
    await expect(executeCompiledOnce(env.storage.db, 'constant', (a) => sql`select ${a}::text, ${'fixed'}::text`, ['a'])).rejects.toThrow(/not an argument/);
  });
});
