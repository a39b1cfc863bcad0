import { PayloadError } from '../../src/wechat/errors.ts';
import { parseJson } from '../../src/wechat/parseJson.ts';
import { hasDeclaration, parseXml } from '../../src/wechat/parseXml.ts';
import { hostileBodies, MiB } from './hostileBodies.ts';

export type HostileParseRequest = { index: number; size: number } | { declarationScan: string; size: number };

/** What one hostile body comes to: 'parsed', a PayloadError code, or for a declaration scan its answer. */
export function runHostileParse(request: HostileParseRequest): { outcome: string } {
  if ('declarationScan' in request) {
    const body = '<xml>' + request.declarationScan.repeat(Math.floor(request.size / request.declarationScan.length));
    return { outcome: String(hasDeclaration(body)) + '/' + String(hasDeclaration(`${body}<!DOCTYPE x>`)) };
  }
  const shape = hostileBodies(request.size)[request.index]!;
  try {
    const body = shape.build();
    if (shape.format === 'xml') parseXml(body, 2 * MiB);
    else parseJson(body, 2 * MiB);
    return { outcome: 'parsed' };
  } catch (error) {
    return { outcome: error instanceof PayloadError ? error.code : `unexpected ${(error as Error).name}: ${(error as Error).message}` };
  }
}
