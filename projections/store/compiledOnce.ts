import { CompiledQuery, type QueryResult, type RawBuilder } from 'kysely';
import type { Queryable } from './projectionTable.ts';

type Compiled = { sql: string; order: number[] };

const MAX_STATEMENTS = 100;
const compiled = new WeakMap<object, Map<string, Compiled>>();

/**
 * Runs `build(...args)`, compiled to SQL once per database and `key` (the statement and the tables
 * it reads) instead of on every call: a lookup otherwise builds and compiles the same kysely
 * tree for every request, a few per cent of its CPU (`npm run bench -- query`). `build` must
 * use each argument only as a parameter; the statement text may depend on nothing but `key`.
 */
export async function executeCompiledOnce<R>(db: Queryable, key: string, build: (...params: unknown[]) => RawBuilder<R>, args: readonly unknown[]): Promise<QueryResult<R>> {
  let statements = compiled.get(db);
  if (!statements) compiled.set(db, (statements = new Map()));
  let statement = statements.get(key);
  if (!statement) {
    // Each argument is a distinct marker object: where it lands in the parameters is the order
    // the arguments are passed in from now on.
    const markers = args.map((_, index) => ({ index }));
    const query = build(...markers).compile(db);
    const order = query.parameters.map((parameter) => markers.indexOf(parameter as { index: number }));
    if (order.includes(-1)) throw new Error(`executeCompiledOnce(${key}): the statement has a parameter that is not an argument`);
    statement = { sql: query.sql, order };
    // Keys are table names, a handful per projection version: bounded all the same.
    if (statements.size >= MAX_STATEMENTS) statements.clear();
    statements.set(key, statement);
  }
  const { sql, order } = statement;
  return db.executeQuery<R>(CompiledQuery.raw(sql, order.map((index) => args[index])));
}
