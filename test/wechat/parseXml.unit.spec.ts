import { describe, expect, it } from 'vitest';
import { PayloadError } from '../../src/wechat/errors.ts';
import { MAX_STRUCTURED_XML_CHARS, MAX_XML_DEPTH, parseXml } from '../../src/wechat/parseXml.ts';
import { authorizationRevoke, officialPythonSample, scanCodePush } from './publishedVectors.ts';
import { errorCodeOf } from './errorCodeOf.ts';

const codeOf = (action: () => unknown) => errorCodeOf(action, PayloadError);

const LIMIT = 64 * 1024;

function nested(depth: number): string {
  // <xml> counts as the first level.
  const names = Array.from({ length: depth - 1 }, (_, i) => `L${i}`);
  return `<xml>${names.map((n) => `<${n}>`).join('')}v${[...names].reverse().map((n) => `</${n}>`).join('')}</xml>`;
}

describe('parseXml', () => {
  it('reads decrypted XML with newlines between elements, values as strings', () => {
    expect(parseXml(officialPythonSample.decrypted, LIMIT)).toEqual({
      ToUserName: 'gh_10f6c3c3ac5a',
      FromUserName: 'oyORnuP8q7ou2gfYjqLzSIWZf0rs',
      CreateTime: '1409735668',
      MsgType: 'text',
      Content: 'abcdteT',
      MsgId: '6054768590064713728',
    });
  });

  it('keeps a MsgId beyond 2^53 exact', () => {
    const fields = parseXml('<xml><MsgId>1234567890123456789</MsgId></xml>', LIMIT);
    expect(fields.MsgId).toBe('1234567890123456789');
  });

  it('keeps CDATA verbatim, including markup and surrounding spaces', () => {
    const fields = parseXml('<xml><Content><![CDATA[ <b>hi</b> & <!DOCTYPE x> ]]></Content></xml>', LIMIT);
    expect(fields.Content).toBe(' <b>hi</b> & <!DOCTYPE x> ');
  });

  it('does not expand entities', () => {
    expect(parseXml('<xml><A>x &amp; y &lt;</A></xml>', LIMIT).A).toBe('x &amp; y &lt;');
  });

  it('accepts an XML declaration, as real pushes sometimes carry one', () => {
    const body = `<?xml version="1.0" encoding="utf-8"?>\n${authorizationRevoke.xml}`;
    expect(parseXml(body, LIMIT).OpenID).toBe('owAqB1nqaOYYWl0Ng484G2z5NIwU');
  });

  it('drops nested elements and keeps the leaves (wechatpy scancode_push)', () => {
    const fields = parseXml(scanCodePush, LIMIT);
    expect(fields.Event).toBe('scancode_push');
    expect(fields.EventKey).toBe('6');
    expect('ScanCodeInfo' in fields).toBe(false);
  });

  it('refuses DOCTYPE and ENTITY declarations before parsing', () => {
    const billionLaughs =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><xml><A>&lol2;</A></xml>';
    const external = '<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><A>&xxe;</A></xml>';
    expect(codeOf(() => parseXml(billionLaughs, LIMIT))).toBe('hostile_xml');
    expect(codeOf(() => parseXml(external, LIMIT))).toBe('hostile_xml');
    expect(codeOf(() => parseXml('<!doctype xml><xml/>', LIMIT))).toBe('hostile_xml');
    expect(codeOf(() => parseXml('<xml><!ENTITY a "b"><A>1</A></xml>', LIMIT))).toBe('hostile_xml');
    // An unterminated CDATA does not hide a declaration.
    expect(codeOf(() => parseXml('<xml><A><![CDATA[x</A><!DOCTYPE y></xml>', LIMIT))).toBe('hostile_xml');
  });

  it('refuses a body over the byte limit, counting UTF-8 bytes', () => {
    const body = `<xml><A>${'中'.repeat(100)}</A></xml>`;
    expect(body.length).toBeLessThan(200);
    expect(codeOf(() => parseXml(body, 200))).toBe('payload_too_large');
    expect(new PayloadError('payload_too_large', '').status).toBe(413);
    expect(parseXml(body, 400).A).toHaveLength(100);
  });

  it(`accepts ${MAX_XML_DEPTH} levels of nesting and refuses ${MAX_XML_DEPTH + 1}`, () => {
    expect(parseXml(nested(MAX_XML_DEPTH), LIMIT)).toEqual({});
    expect(codeOf(() => parseXml(nested(MAX_XML_DEPTH + 1), LIMIT))).toBe('malformed_xml');
    expect(codeOf(() => parseXml(nested(3000), 1_000_000))).toBe('malformed_xml');
  });

  it(`refuses a body that is not flat and longer than ${MAX_STRUCTURED_XML_CHARS} characters (413), but reads a flat one`, () => {
    const filler = 'x'.repeat(MAX_STRUCTURED_XML_CHARS);
    expect(codeOf(() => parseXml(`<xml><A><B>1</B></A><C>${filler}</C></xml>`, 1_000_000))).toBe('payload_too_large');
    expect(parseXml(`<xml><C>${filler}</C></xml>`, 1_000_000)).toEqual({ C: filler });
    expect(parseXml(`<xml><A><B>1</B></A><C>${filler.slice(100)}</C></xml>`, 1_000_000)).toEqual({ C: filler.slice(100) });
  });

  it('refuses XML that is not well-formed', () => {
    for (const body of ['<xml><A>1</B></xml>', '<xml><A>1</A>', 'not xml', '', '<xml><A>1</A></xml><xml/>']) {
      expect(codeOf(() => parseXml(body, LIMIT))).toBe('malformed_xml');
    }
  });

  it('refuses a root other than a single <xml> element', () => {
    expect(codeOf(() => parseXml('<root><A>1</A></root>', LIMIT))).toBe('malformed_xml');
    expect(codeOf(() => parseXml('<xml>text</xml>', LIMIT))).toBe('malformed_xml');
  });

  it('refuses a repeated field and prototype-polluting names', () => {
    expect(codeOf(() => parseXml('<xml><FromUserName>a</FromUserName><FromUserName>b</FromUserName></xml>', LIMIT))).toBe(
      'malformed_xml',
    );
    expect(codeOf(() => parseXml('<xml><__proto__><A>1</A></__proto__></xml>', LIMIT))).toBe('malformed_xml');
  });
});
