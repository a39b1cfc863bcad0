/**
 * Errors that say the database is unreachable (SQLSTATE class 08 connection, 57P shutdown, 53
 * insufficient resources; Node's ECONN…/ETIMEDOUT; pg's "Connection terminated"), as opposed to
 * the database refusing a statement. The first means "retry later" (503); the second is about
 * the request.
 */
export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  if (typeof code !== 'string') return /connection|terminat|ECONN|timeout/i.test(String((error as Error)?.message));
  // 57014 statement_timeout, 55P03 lock_timeout, 25P03 idle-in-transaction timeout: the database
  // is stuck or overloaded, not refusing the request (and a batch must not be retried one by one).
  if (code === '57014' || code === '55P03' || code === '25P03') return true;
  return code.startsWith('08') || code.startsWith('57P') || code.startsWith('53') || code.startsWith('E');
}
