import { PayloadError } from './errors.ts';

/**
 * Reads a JSON push body (mini programs may push JSON) into an object. `JSON.parse` turns
 * `"MsgId": 1234567890123456789` into 1234567890123456800, so before parsing every bare integer
 * literal longer than 15 digits is wrapped in quotes and stays exact as a string. The rewrite
 * walks the text and skips string literals, so digits inside strings are never touched.
 *
 * The same walk bounds nesting: WeChat's JSON pushes nest two or three levels, and a body of a
 * million `[` cost JSON.parse 110 ms to refuse (bench/parse.ts); past MAX_JSON_DEPTH it is
 * refused at once.
 */
export const MAX_JSON_DEPTH = 16;

export function parseJson(body: string, maxBytes: number): Record<string, unknown> {
  if (Buffer.byteLength(body, 'utf8') > maxBytes) {
    throw new PayloadError('payload_too_large', `JSON body exceeds ${maxBytes} bytes`);
  }
  const text = quoteLongIntegers(body);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new PayloadError('malformed_json', 'body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PayloadError('malformed_json', 'body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

const SAFE_DIGITS = 15;
const LONG_INTEGER = new RegExp(`^-?\\d{${SAFE_DIGITS + 1},}$`);

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const MINUS = 0x2d;

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
// What may follow the first character of a JSON number: digits . e E + -
const inNumber = (c: number) => isDigit(c) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === MINUS;

/**
 * Also refuses nesting deeper than MAX_JSON_DEPTH: the walk is there anyway. Char codes, and a
 * slice only for a number long enough to need quotes: a 1 MiB body is a million steps.
 */
function quoteLongIntegers(text: string): string {
  let out = '';
  let copied = 0;
  let depth = 0;
  let i = 0;
  const length = text.length;
  while (i < length) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = endOfString(text, i);
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > MAX_JSON_DEPTH) throw new PayloadError('malformed_json', `JSON nests deeper than ${MAX_JSON_DEPTH}`);
      i++;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
      i++;
    } else if (c === MINUS || isDigit(c)) {
      let end = i + 1;
      while (end < length && inNumber(text.charCodeAt(end))) end++;
      if (end - i > SAFE_DIGITS) {
        const literal = text.slice(i, end);
        if (LONG_INTEGER.test(literal)) {
          out += `${text.slice(copied, i)}"${literal}"`;
          copied = end;
        }
      }
      i = end;
    } else {
      i++;
    }
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** Index just past the closing quote; an unterminated string runs to the end (JSON.parse rejects it). */
function endOfString(text: string, start: number): number {
  let i = start + 1;
  const length = text.length;
  while (i < length) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH) i += 2;
    else if (c === QUOTE) return i + 1;
    else i++;
  }
  return length;
}
