import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { PayloadError } from './errors.ts';

/**
 * Reads a WeChat XML body (`<xml><Field>value</Field>…</xml>`) into a flat record of the root's
 * leaf children, every value a string (MsgId exceeds 2^53; CreateTime is converted later).
 *
 * Decisions:
 * - Declarations (`<!DOCTYPE`, `<!ENTITY`) are refused before parsing: WeChat never sends them
 *   and they are how entity-expansion and external-entity attacks start. Text inside CDATA is
 *   data, so a user message that merely contains "<!DOCTYPE" is still accepted.
 * - Entities are never expanded: `&amp;` stays `&amp;` (WeChat wraps text in CDATA anyway).
 * - Nested elements (ScanCodeInfo, SendPicsInfo, …) are dropped: nothing we record needs them,
 *   and a flat record keeps the push schema simple. A repeated leaf is refused because we could
 *   not tell which copy is true.
 * - Depth is bounded so a small body cannot make the parser recurse deeply.
 */
export const MAX_XML_DEPTH = 8;

const parser = new XMLParser({
  processEntities: false,
  htmlEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  trimValues: true,
  // The library's own guard stops deep recursion early; its count excludes the root, so the exact
  // bound is enforced by depthOf below.
  maxNestedTags: MAX_XML_DEPTH,
});

/**
 * Documents that are not in WeChat's flat shape go through fast-xml-parser, which costs 100–300 ns
 * a character on adversarial input (bench/parseXml.ts). WeChat's nested pushes (ScanCodeInfo,
 * SendPicsInfo, …) are a few kilobytes, three times that in compatible mode, so this bound costs
 * nothing real and keeps a hostile body's parse within milliseconds.
 */
export const MAX_STRUCTURED_XML_CHARS = 64 * 1024;

export function parseXml(body: string, maxBytes: number): Record<string, string> {
  if (Buffer.byteLength(body, 'utf8') > maxBytes) {
    throw new PayloadError('payload_too_large', `XML body exceeds ${maxBytes} bytes`);
  }
  const flat = parseFlatXml(body);
  if (flat) return flat;
  if (body.length > MAX_STRUCTURED_XML_CHARS) {
    throw new PayloadError('payload_too_large', `XML that is not a flat <xml> of leaves is limited to ${MAX_STRUCTURED_XML_CHARS} characters`);
  }
  return parseXmlFully(body);
}

const CDATA_OPEN = '<![CDATA[';
const CDATA_CLOSE = ']]>';
const DECLARATION = /^<!(?:DOCTYPE|ENTITY)/i;

/**
 * Whether `<!DOCTYPE` or `<!ENTITY` appears outside CDATA sections, in one pass. A lazy
 * `/<!\[CDATA\[[\s\S]*?\]\]>/g` did this before and was quadratic: each of 116k unterminated
 * `<![CDATA[` in a 1 MiB body rescanned the rest of it (~6×10¹⁰ steps), before msg_signature is
 * checked. Here every character is looked at a bounded number of times: once no `]]>` is left,
 * later CDATA openings are not searched for one again (and, like before, an unterminated section
 * is read as text, so a declaration after it is still found).
 */
export function hasDeclaration(body: string): boolean {
  let at = 0;
  let closesLeft = true;
  for (;;) {
    const open = body.indexOf('<!', at);
    if (open < 0) return false;
    if (closesLeft && body.startsWith(CDATA_OPEN, open)) {
      const close = body.indexOf(CDATA_CLOSE, open + CDATA_OPEN.length);
      if (close >= 0) {
        at = close + CDATA_CLOSE.length;
        continue;
      }
      closesLeft = false;
    }
    if (DECLARATION.test(body.slice(open, open + 9))) return true;
    at = open + 2;
  }
}

const OPEN = /^[ \t\r\n]*<xml>/y;
// A leaf: a name, then one CDATA section (its text may hold anything but `]]>`) or plain text
// without markup or entity references, then the same name closed.
// No carriage return inside a value: the full parser rewrites line ends there.
const LEAF = /[ \t\r\n]*<([A-Za-z_][A-Za-z0-9_]*)>(?:<!\[CDATA\[((?:[^\]\r]|\](?!\]>))*)\]\]>|([^<&\r]*))<\/\1>/y;
const CLOSE = /[ \t\r\n]*<\/xml>[ \t\r\n]*$/y;

/**
 * The shape WeChat sends — `<xml>`, leaves of CDATA or plain text, `</xml>` — read with three
 * anchored regular expressions instead of a validating pass and a parse: in safe mode every push
 * is two documents (the envelope and the decrypted message), and the full path took 33–42 µs for
 * the two against 2–4 µs this way (bench/README.md). It returns what `parseXmlFully` returns for the same body (a
 * property test holds the two to that) and null for anything else — a declaration, a comment,
 * an attribute, nesting, an entity reference, a repeated leaf, a name Object.prototype has, a
 * carriage return inside a value, an `<xml>` with no leaf —
 * which then takes the full path with all its checks.
 */
export function parseFlatXml(body: string): Record<string, string> | null {
  OPEN.lastIndex = 0;
  if (!OPEN.test(body)) return null;
  const fields: Record<string, string> = Object.create(null);
  let at = OPEN.lastIndex;
  for (;;) {
    LEAF.lastIndex = at;
    const leaf = LEAF.exec(body);
    if (!leaf) break;
    const name = leaf[1]!;
    if (name in fields || name in Object.prototype) return null;
    fields[name] = leaf[2] ?? leaf[3]!.trim();
    at = LEAF.lastIndex;
  }
  CLOSE.lastIndex = at;
  // `<xml></xml>` has no fields to read; the full path says why it is refused.
  return at > OPEN.lastIndex && CLOSE.test(body) ? fields : null;
}

/** Any XML body: declarations refused, validated, parsed, flattened. */
export function parseXmlFully(body: string): Record<string, string> {
  if (hasDeclaration(body)) {
    throw new PayloadError('hostile_xml', 'DOCTYPE and ENTITY declarations are not accepted');
  }
  // The parser itself is lenient (it accepts mismatched closing tags), so validate first.
  if (XMLValidator.validate(body) !== true) throw new PayloadError('malformed_xml', 'body is not well-formed XML');

  let document: unknown;
  try {
    document = parser.parse(body);
  } catch {
    // Depth over MAX_XML_DEPTH and reserved names such as __proto__ end up here.
    throw new PayloadError('malformed_xml', 'body could not be parsed as XML');
  }
  const root = isObject(document) ? document.xml : undefined;
  if (!isObject(document) || Object.keys(document).length !== 1 || !isObject(root)) {
    throw new PayloadError('malformed_xml', 'the root element must be a single <xml>');
  }
  if (depthOf(root) > MAX_XML_DEPTH) throw new PayloadError('malformed_xml', `elements nest deeper than ${MAX_XML_DEPTH}`);
  return flatten(root);
}

function flatten(root: Record<string, unknown>): Record<string, string> {
  const fields: Record<string, string> = Object.create(null);
  for (const [name, value] of Object.entries(root)) {
    if (typeof value === 'string') fields[name] = value;
    else if (Array.isArray(value) && value.some((item) => typeof item === 'string')) {
      throw new PayloadError('malformed_xml', `element <${name.slice(0, 64)}> appears more than once`);
    }
  }
  return fields;
}

/** Levels of elements, counting the element holding `content` (a leaf's content is a string). */
function depthOf(content: unknown): number {
  if (!isObject(content) && !Array.isArray(content)) return 1;
  // A loop, not Math.max(...spread): a body may hold more siblings than a call has arguments.
  let deepest = 0;
  for (const child of Object.values(content)) deepest = Math.max(deepest, depthOf(child));
  return Array.isArray(content) ? deepest : 1 + deepest;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
