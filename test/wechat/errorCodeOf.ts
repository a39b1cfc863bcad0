import { expect } from 'vitest';
import type { WechatError } from '../../src/wechat/errors.ts';

/**
 * The `code` of the error `action` throws (undefined if it throws none). With `type`, the error
 * must also be an instance of it.
 */
export function errorCodeOf(action: () => unknown, type?: abstract new (...args: never[]) => WechatError): string | undefined {
  try {
    action();
  } catch (error) {
    if (type) expect(error).toBeInstanceOf(type);
    return (error as { code?: string }).code;
  }
  return undefined;
}
