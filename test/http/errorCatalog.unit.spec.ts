import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { HTTPException } from 'hono/http-exception';
import { ZodError } from 'zod';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOG, type ErrorCode } from '../../src/http/errorCatalog.ts';
import { errorResponse, HttpError } from '../../src/http/errorResponse.ts';
import { CommandError } from '../../src/commands/commandError.ts';
import { CryptoError, PayloadError, SignatureError, WatermarkError } from '../../src/wechat/errors.ts';
import { WechatApiError, type WechatErrorKind } from '../../src/wechat/api/errcodes.ts';
import { IdempotencyConflictError, InvalidEventError, LedgerUnavailableError } from '../../src/ledger/ledgerErrors.ts';
import { ProjectionLagError, ProjectionUnavailableError } from '../../projections/projectionErrors.ts';
import { AsOfTooBroadError } from '../../projections/query/getUserAsOf.ts';

const ROOT = join(import.meta.dirname, '../..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'simulator' ? [] : sources(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** The catalog and the OpenAPI metadata name codes too; only throw sites count here. */
const DOCUMENTING = new Set(['src/http/errorCatalog.ts', 'src/http/schemas.ts', 'src/http/openapiExamples.ts']);
const FILES = [...sources(join(ROOT, 'src')), ...sources(join(ROOT, 'projections'))]
  .map((path) => ({ path: relative(ROOT, path), text: readFileSync(path, 'utf8') }))
  .filter((file) => !DOCUMENTING.has(file.path));

/** What an error of each WeChat-facing class answers, by the HTTP layer's own mapping. */
const WECHAT_ERRORS: Record<string, (code: never) => Error> = {
  SignatureError: (code) => new SignatureError(code, ''),
  CryptoError: (code) => new CryptoError(code, ''),
  PayloadError: (code) => new PayloadError(code, ''),
  WatermarkError: (code) => new WatermarkError(code, ''),
};

/** Codes thrown in src/ with the status the HTTP layer answers them with. */
function thrownCodes(): { code: string; status: number; where: string }[] {
  const found: { code: string; status: number; where: string }[] = [];
  const add = (code: string, error: Error, where: string) => {
    const { status, body } = errorResponse(error);
    expect(body.error.code, where).toBe(code);
    found.push({ code, status, where });
  };
  for (const { path, text } of FILES) {
    for (const m of text.matchAll(/new HttpError\(\s*(\d{3}),\s*'([a-z_]+)'/g)) add(m[2]!, new HttpError(Number(m[1]), m[2]!, ''), path);
    for (const m of text.matchAll(/new CommandError\(\s*'([a-z_]+)',\s*(\d{3})/g)) add(m[1]!, new CommandError(m[1]!, Number(m[2]), ''), path);
    // JobConflictError and other CommandError subclasses.
    for (const m of text.matchAll(/super\(\s*'([a-z_]+)',\s*(\d{3})/g)) add(m[1]!, new CommandError(m[1]!, Number(m[2]), ''), path);
    // JobRefusal.invalid(code, …) is a 400; resolveMigration's refusals reach it.
    for (const m of text.matchAll(/JobRefusal\.invalid\(\s*'([a-z_]+)'/g)) add(m[1]!, new CommandError(m[1]!, 400, ''), path);
    for (const m of text.matchAll(/ok: false,\s*code: '([a-z_]+)'/g)) add(m[1]!, new CommandError(m[1]!, 400, ''), path);
    for (const m of text.matchAll(/new (SignatureError|CryptoError|PayloadError|WatermarkError)\(\s*'([a-z_]+)'/g)) add(m[2]!, WECHAT_ERRORS[m[1]!]!(m[2] as never), path);
  }
  return found;
}

/** WeChat API errors no route can meet: they come from calls only jobs make (changeopenid). */
const JOB_ONLY_WECHAT_KINDS: WechatErrorKind[] = ['no_migration_relation'];
const WECHAT_KINDS: WechatErrorKind[] = [
  'invalid_code',
  'rate_limited',
  'quota_exhausted',
  'token_invalid',
  'no_migration_relation',
  'invalid_openid',
  'credentials_rejected',
  'upstream_failure',
  'rejected',
];

describe('the error catalog (src/http/errorCatalog.ts) is the codes the service answers', () => {
  const catalog = ERROR_CATALOG as Record<string, { status: readonly number[] }>;

  it('holds every code thrown in src/ with the status the HTTP layer gives it', () => {
    const thrown = thrownCodes();
    expect(thrown.length).toBeGreaterThan(60);
    const missing = thrown.filter(({ code, status }) => !catalog[code]?.status.includes(status));
    expect(missing).toEqual([]);
  });

  it('holds the codes of the errors the HTTP layer maps by class', () => {
    const mapped: Error[] = [
      new IdempotencyConflictError('key'),
      new InvalidEventError('bad'),
      new LedgerUnavailableError('down'),
      new ProjectionUnavailableError('follow-state'),
      new ProjectionLagError(10, { 'follow-state': 5 }),
      new AsOfTooBroadError('too broad'),
      new HTTPException(400, { message: 'Malformed JSON in request body' }),
      new HTTPException(413),
      new HTTPException(415, { message: 'Unsupported Media Type' }),
      new ZodError([]),
      Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' }),
      new Error('a bug'),
      ...WECHAT_KINDS.filter((kind) => !JOB_ONLY_WECHAT_KINDS.includes(kind)).map((kind) => new WechatApiError({ kind, errcode: 1, errmsg: '', api: 'jscode2session', appid: 'wx' })),
    ];
    for (const error of mapped) {
      const { status, body } = errorResponse(error);
      expect(catalog[body.error.code]?.status, `${error.name} → ${status} ${body.error.code}`).toContain(status);
    }
  });

  it('names no code the service never answers', () => {
    const everything = FILES.map((file) => file.text).join('\n');
    const invented = (Object.keys(ERROR_CATALOG) as ErrorCode[]).filter((code) => !everything.includes(`'${code}'`));
    expect(invented).toEqual([]);
  });
});
