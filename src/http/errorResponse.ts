import { ZodError } from 'zod';
import { isConnectionError } from '../ledger/isConnectionError.ts';
import { HTTPException } from 'hono/http-exception';
import { WechatError } from '../wechat/errors.ts';
import { ConfigError } from '../config/configError.ts';
import { CommandError } from '../commands/commandError.ts';
import { ProjectionLagError, ProjectionUnavailableError } from '../../projections/projectionErrors.ts';
import { AsOfTooBroadError } from '../../projections/query/getUserAsOf.ts';
import { IdempotencyConflictError, InvalidEventError, LedgerUnavailableError, WrongExpectedVersionError } from '../ledger/ledgerErrors.ts';

export type ErrorBody = { error: { code: string; message: string } };

/** An error the HTTP layer raises itself (auth, routing, limits). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Every error the service can meet, as a status and a stable code. WeChat errcodes were already
 * mapped by the client (40029 → 401, 45011/45009 → 429, upstream → 502); an error nobody
 * expected is a 500 whose message says nothing about internals.
 */
export function errorResponse(error: unknown): { status: number; body: ErrorBody; expected: boolean } {
  const make = (status: number, code: string, message: string, expected = true) => ({ status, body: { error: { code, message } }, expected });
  if (error instanceof HttpError) return make(error.status, error.code, error.message);
  if (error instanceof WechatError) return make(error.status, error.code, error.message);
  if (error instanceof ConfigError) return make(error.status, error.code, error.message);
  if (error instanceof CommandError) return make(error.status, error.code, error.message);
  if (error instanceof AsOfTooBroadError) return make(error.status, error.code, error.message);
  if (error instanceof IdempotencyConflictError || error instanceof WrongExpectedVersionError) return make(409, error.code, error.message);
  if (error instanceof InvalidEventError) return make(400, error.code, error.message);
  if (error instanceof LedgerUnavailableError) return make(503, error.code, 'the ledger is unavailable; retry later');
  // The read side is behind or not built yet: retry shortly, nothing is wrong with the request.
  if (error instanceof ProjectionUnavailableError || error instanceof ProjectionLagError) return make(503, error.code, error.message);
  // Hono's own refusals (a body that is not JSON, a missing content type): the request is wrong.
  if (error instanceof HTTPException) return make(error.status, error.status === 413 ? 'payload_too_large' : 'invalid_request', error.message || 'invalid request');
  if (error instanceof ZodError) return make(400, 'invalid_request', error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '));
  if (isConnectionError(error)) return make(503, 'ledger_unavailable', 'the ledger is unavailable; retry later');
  return make(500, 'internal_error', 'internal error', false);
}

