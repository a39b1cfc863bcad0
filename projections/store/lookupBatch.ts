import { sql, type QueryResult, type RawBuilder } from 'kysely';
import { executeCompiledOnce } from './compiledOnce.ts';
import type { Queryable } from './projectionTable.ts';

/**
 * The most lookups one statement carries. At 32 the planner already preferred a sequential scan
 * of a 4,000-person identity table for getUnionid (queries.plans.int.spec.ts pins the plans of
 * 1, 2, 4, 8 and 16 keys).
 */
export const MAX_BATCH = 16;

type Waiting = { args: readonly unknown[]; resolve: (answer: unknown) => void; reject: (error: unknown) => void };
type Run = (batch: readonly (readonly unknown[])[]) => Promise<readonly unknown[]>;

const queues = new WeakMap<object, Map<string, Waiting[]>>();

/**
 * Gathers the lookups of one kind that arrive in the same turn of the event loop and asks for
 * them in one statement. At thousands of requests/s a round trip per lookup costs the service
 * more than the lookup costs PostgreSQL: the socket write, the pool checkout and the result's
 * parsing, each per lookup (`npm run bench -- query`). Requests read from the sockets in one
 * turn reach their lookups before the turn's check phase, where the batch goes out; a lookup
 * alone waits for nothing but that.
 *
 * `key` names the statement and the tables it reads: lookups share a batch only under the same
 * key, and `run` (the first caller's, so it must depend on nothing but `key`) answers each of
 * the batch's argument lists in order. A statement that fails for one key's value (a data
 * exception) is retried lookup by lookup; any other failure fails every lookup of its batch,
 * as it would have failed each of them alone.
 */
export function lookUpInBatch<R>(db: Queryable, key: string, args: readonly unknown[], run: (batch: readonly (readonly unknown[])[]) => Promise<readonly R[]>): Promise<R> {
  let byKey = queues.get(db);
  if (!byKey) queues.set(db, (byKey = new Map()));
  let waiting = byKey.get(key);
  if (!waiting) {
    const queue: Waiting[] = (waiting = []);
    byKey.set(key, queue);
    const owner = byKey;
    setImmediate(() => {
      owner.delete(key);
      for (let start = 0; start < queue.length; start += MAX_BATCH) void send(queue.slice(start, start + MAX_BATCH), run as Run);
    });
  }
  return new Promise<R>((resolve, reject) => waiting.push({ args, resolve: resolve as (answer: unknown) => void, reject }));
}

async function send(batch: readonly Waiting[], run: Run): Promise<void> {
  try {
    const answers = await run(batch.map((w) => w.args));
    if (answers.length !== batch.length) throw new Error(`lookUpInBatch: ${answers.length} answers for ${batch.length} lookups`);
    batch.forEach((w, i) => w.resolve(answers[i]));
  } catch (error) {
    // A data exception (SQLSTATE class 22: a value PostgreSQL cannot take) belongs to one key,
    // not to the batch: each lookup is asked again alone, so only its own caller gets the error.
    // Anything else (a lost connection, a timeout) would fail each of them alone too.
    if (batch.length > 1 && isDataException(error)) await Promise.all(batch.map((w) => send([w], run)));
    else for (const w of batch) w.reject(error);
  }
}

function isDataException(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('22');
}

/**
 * Runs the statement for `batch` (the argument lists `lookUpInBatch` gathered under `key`, each
 * of the same length): `build` gets them padded to `statementSize` rows (`paddedParameters`) and
 * is compiled once per key and size (`executeCompiledOnce`).
 */
export function executeBatchStatement<R>(db: Queryable, key: string, batch: readonly (readonly unknown[])[], build: (...parameters: unknown[]) => RawBuilder<R>): Promise<QueryResult<R>> {
  const size = statementSize(batch.length);
  return executeCompiledOnce(db, `${key} ${size}`, build, paddedParameters(batch, size, batch[0]!.length));
}

/**
 * How many rows a batch's statement is written for: a power of two, so each lookup has a
 * handful of statements (each prepared once per connection) instead of one per batch length.
 */
export function statementSize(lookups: number): number {
  let size = 1;
  while (size < lookups) size *= 2;
  return Math.min(size, MAX_BATCH);
}

/**
 * The batch's argument lists as `size` rows of parameters, padded with rows of nulls (which
 * match no key), flattened in row order: the parameters of `lookupValues`.
 */
export function paddedParameters(batch: readonly (readonly unknown[])[], size: number, width: number): unknown[] {
  const parameters: unknown[] = [];
  for (let row = 0; row < size; row++) for (let column = 0; column < width; column++) parameters.push(batch[row]?.[column] ?? null);
  return parameters;
}

/**
 * `(values ($1::text, $2::text, 0), ($3::text, $4::text, 1), …) as <alias>(<columns>, n)`: one
 * row per lookup, `n` its place in the batch. A VALUES list rather than `unnest` of arrays: the
 * planner then knows how many rows there are, so a prepared statement's generic plan costs what
 * the custom one does and PostgreSQL settles on it after five calls, whatever the batch's size.
 * `unnest` of array parameters is estimated at a fixed row count, so for small batches the generic
 * plan looks dearer and every call is planned again (pg_prepared_statements after ten calls with
 * two keys: 0 generic and 10 custom plans, against 5 and 5 for VALUES).
 */
export function lookupValues(alias: string, columns: readonly string[], parameters: readonly unknown[]): RawBuilder<unknown> {
  const rows: RawBuilder<unknown>[] = [];
  for (let row = 0; row * columns.length < parameters.length; row++) {
    const cells = columns.map((_, column) => sql`${parameters[row * columns.length + column]}::text`);
    rows.push(sql`(${sql.join(cells)}, ${sql.lit(row)})`);
  }
  return sql`(values ${sql.join(rows)}) as ${sql.raw(alias)}(${sql.raw(columns.join(', '))}, n)`;
}
