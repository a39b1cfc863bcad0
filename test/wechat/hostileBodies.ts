import { MAX_STRUCTURED_XML_CHARS } from '../../src/wechat/parseXml.ts';

/**
 * Bodies shaped to make a parser do more than linear work, each `size` characters long (1 MiB
 * by default: the default body limit), built on demand. Shared by the hostile-parse test and bench/parseXml.ts.
 * `outcomes` lists what may come out: 'parsed' or the PayloadError code.
 */
export type HostileBody = { name: string; format: 'xml' | 'json'; build(): string; outcomes: string[] };

export const MiB = 1024 * 1024;

function fill(head: string, unit: string, tail: string, size: number): string {
  return head + unit.repeat(Math.max(0, Math.floor((size - head.length - tail.length) / unit.length))) + tail;
}

function flatLeaves(size: number): string {
  const parts = ['<xml>'];
  let length = 5;
  for (let i = 0; length < size - 32; i++) {
    const leaf = `<F${i}><![CDATA[v]]></F${i}>`;
    parts.push(leaf);
    length += leaf.length;
  }
  parts.push('</xml>');
  return parts.join('');
}

export function hostileBodies(size = MiB): HostileBody[] {
  const refused = ['malformed_xml', 'hostile_xml', 'payload_too_large'];
  return [
    // The body: every opening rescanned the rest with the old lazy CDATA pattern.
    { name: 'xml: <xml> + unterminated <![CDATA[ ×n', format: 'xml', build: () => fill('<xml>', '<![CDATA[', '', size), outcomes: refused },
    { name: 'xml: unterminated <![CDATA[ ×n inside a leaf', format: 'xml', build: () => fill('<xml><a>', '<![CDATA[', '', size), outcomes: refused },
    { name: 'xml: <![CDATA[<!DOCTYPE ×n', format: 'xml', build: () => fill('<xml><a>x</a>', '<![CDATA[<!DOCTYPE ', '', size), outcomes: refused },
    { name: 'xml: ] ×n inside an open CDATA', format: 'xml', build: () => fill('<xml><a><![CDATA[', ']', '', size), outcomes: refused },
    { name: 'xml: ]] ×n, then ]]> closes the leaf', format: 'xml', build: () => fill('<xml><a><![CDATA[', ']]', ']]></a></xml>', size), outcomes: ['parsed'] },
    { name: 'xml: <a> ×n (open tags)', format: 'xml', build: () => fill('<xml>', '<a>', '', size), outcomes: refused },
    { name: 'xml: one tag, b="c" ×n (attributes)', format: 'xml', build: () => fill('<xml><a ', 'b="c" ', '', size), outcomes: refused },
    { name: 'xml: <!-- ×n', format: 'xml', build: () => fill('<xml>', '<!--', '', size), outcomes: refused },
    { name: 'xml: < ×n', format: 'xml', build: () => fill('<xml>', '<', '', size), outcomes: refused },
    { name: 'xml: flat, distinct leaves (valid)', format: 'xml', build: () => flatLeaves(size), outcomes: ['parsed'] },
    { name: 'xml: flat, one huge CDATA leaf (valid)', format: 'xml', build: () => fill('<xml><a><![CDATA[', 'x', ']]></a></xml>', size), outcomes: ['parsed'] },
    {
      name: `xml: nested, <![CDATA[ ×n, ${MAX_STRUCTURED_XML_CHARS / 1024} KiB (full parser)`,
      format: 'xml',
      build: () => fill('<xml><a><b>x</b></a>', '<![CDATA[', '', Math.min(size, MAX_STRUCTURED_XML_CHARS)),
      outcomes: refused,
    },
    { name: 'json: [ ×n (deep nesting)', format: 'json', build: () => fill('', '[', '', size), outcomes: ['malformed_json'] },
    { name: 'json: one 1M-digit integer', format: 'json', build: () => fill('{"MsgId":', '1', '}', size), outcomes: ['parsed'] },
    { name: 'json: long integers ×n', format: 'json', build: () => fill('{"a":[', '1234567890123456789,', '1]}', size), outcomes: ['parsed'] },
    { name: 'json: \\\\ ×n in a string', format: 'json', build: () => fill('{"a":"', '\\\\', '"}', size), outcomes: ['parsed'] },
  ];
}
