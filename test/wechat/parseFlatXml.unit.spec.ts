import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFlatXml, parseXmlFully } from '../../src/wechat/parseXml.ts';
import { authorizationRevoke, officialPythonSample, scanCodePush } from './publishedVectors.ts';

/** The full path's answer, or the error code it throws. */
function fully(body: string): Record<string, string> | string {
  try {
    return { ...parseXmlFully(body) };
  } catch (error) {
    return (error as { code?: string }).code ?? 'error';
  }
}

// Characters that matter to XML, whitespace of several kinds (trimming), CJK, and the rest.
const textChar = fc.constantFrom('a', 'Z', '0', ' ', '\t', '\n', '\r', '\u3000', '\u00a0', '中', '文', '>', ']', '[', '!', '-', '?', '/', '"', "'", '=', '<', '&', ';');
const text = fc.array(textChar, { maxLength: 12 }).map((chars) => chars.join(''));
const name = fc.oneof(
  fc.constantFrom('ToUserName', 'FromUserName', 'CreateTime', 'MsgType', 'Event', 'EventKey', 'Encrypt', 'MsgId', 'A', 'a1', '_x'),
  fc.constantFrom('constructor', 'toString', '__proto__', 'hasOwnProperty', 'xml', 'Bad-Name', '1x'),
);
const space = fc.constantFrom('', '', ' ', '\n', '\r\n  ', '\t');
const leaf = fc.tuple(space, name, fc.boolean(), text).map(([ws, n, cdata, t]) => `${ws}<${n}>${cdata ? `<![CDATA[${t}]]>` : t}</${n}>`);
const document = fc.tuple(space, fc.array(leaf, { maxLength: 6 }), space, space).map(([before, leaves, inside, after]) => `${before}<xml>${leaves.join('')}${inside}</xml>${after}`);
// Near misses: a WeChat-shaped document with something spliced in anywhere.
const splice = fc.constantFrom('<!DOCTYPE x>', '<!-- c -->', '<?xml version="1.0"?>', '<B a="1">', '</B>', '<B/>', '&amp;', '&lt;', ']]>', '<![CDATA[', '<', '>', '\u0000', '\ufeff');
const nearMiss = fc.tuple(document, splice, fc.nat()).map(([body, insert, at]) => {
  const i = at % (body.length + 1);
  return body.slice(0, i) + insert + body.slice(i);
});

describe('parseFlatXml (the fast path for WeChat-shaped XML)', () => {
  it('reads the published WeChat samples exactly as the full parser does', () => {
    for (const body of [officialPythonSample.decrypted, authorizationRevoke.xml]) {
      expect({ ...parseFlatXml(body) }).toEqual(fully(body));
    }
    // Nested ScanCodeInfo: not the flat shape, so the full parser reads it.
    expect(parseFlatXml(scanCodePush)).toBeNull();
    expect(fully(scanCodePush)).toMatchObject({ Event: 'scancode_push' });
  });

  it('reads a safe-mode envelope and a decrypted subscribe without the full path', () => {
    const envelope = '<xml>\n<ToUserName><![CDATA[gh_123]]></ToUserName>\n<Encrypt><![CDATA[abc+/=]]></Encrypt>\n</xml>';
    expect({ ...parseFlatXml(envelope) }).toEqual({ ToUserName: 'gh_123', Encrypt: 'abc+/=' });
    const subscribe =
      '<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o-1]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event><EventKey><![CDATA[qrscene_7]]></EventKey></xml>';
    expect({ ...parseFlatXml(subscribe) }).toEqual({ ToUserName: 'gh_1', FromUserName: 'o-1', CreateTime: '1700000000', MsgType: 'event', Event: 'subscribe', EventKey: 'qrscene_7' });
  });

  it('leaves anything it does not fully understand to the full parser', () => {
    for (const body of [
      '<!DOCTYPE xml [<!ENTITY e "x">]><xml><A>&e;</A></xml>',
      '<xml><A>x</A><A>y</A></xml>',
      '<xml><A><B>x</B></A></xml>',
      '<xml><A x="1">y</A></xml>',
      '<xml><toString>x</toString></xml>',
      '<xml><A>x</B></xml>',
      '<xml><A><![CDATA[x]]>junk<![CDATA[y]]></A></xml>',
    ]) {
      expect(parseFlatXml(body)).toBeNull();
    }
  });

  it('agrees with the full parser on every document it accepts (generated WeChat-shaped documents)', () => {
    fc.assert(
      fc.property(document, (body) => {
        const flat = parseFlatXml(body);
        if (flat) expect({ ...flat }).toEqual(fully(body));
      }),
      { numRuns: 5000 },
    );
  });

  it('agrees with the full parser on every near miss it accepts', () => {
    fc.assert(
      fc.property(nearMiss, (body) => {
        const flat = parseFlatXml(body);
        if (flat) expect({ ...flat }).toEqual(fully(body));
      }),
      { numRuns: 5000 },
    );
  });

  it('takes every document of the shape WeChat sends, with the full parser\'s result', () => {
    const safeText = fc.array(fc.constantFrom('a', '0', ' ', '\t', '\n', '\u3000', '中', '>', ']', '"', '=', '-'), { maxLength: 12 }).map((chars) => chars.join(''));
    const cdataText = fc.array(fc.constantFrom('a', ' ', '\n', '中', '<', '&', ']', '>', '!', '['), { maxLength: 12 }).map((chars) => chars.join('')).filter((t) => !t.includes(']]>'));
    const names = fc.uniqueArray(fc.constantFrom('ToUserName', 'FromUserName', 'CreateTime', 'MsgType', 'Event', 'EventKey', 'Encrypt', 'MsgId', 'Ticket'), { minLength: 1 });
    const wechatShaped = fc
      .tuple(names, fc.array(fc.tuple(fc.boolean(), safeText, cdataText, space), { minLength: 9, maxLength: 9 }))
      .map(([keys, values]) => `<xml>${keys.map((key, i) => { const [cdata, plain, inside, ws] = values[i]!; return `${ws}<${key}>${cdata ? `<![CDATA[${inside}]]>` : plain}</${key}>`; }).join('')}\n</xml>`);
    fc.assert(
      fc.property(wechatShaped, (body) => {
        const flat = parseFlatXml(body);
        expect(flat).not.toBeNull();
        expect({ ...flat }).toEqual(fully(body));
      }),
      { numRuns: 3000 },
    );
  });
});
