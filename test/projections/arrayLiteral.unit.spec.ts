import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arrayLiteral } from '../../projections/store/tableColumns.ts';

/** PostgreSQL's array_in for quoted elements, enough to check the literal round-trips. */
function parseLiteral(literal: string): (string | null)[] {
  const out: (string | null)[] = [];
  let i = 1;
  if (literal === '{}') return out;
  while (i < literal.length) {
    if (literal.startsWith('NULL', i)) {
      out.push(null);
      i += 4;
    } else {
      let value = '';
      i++; // opening quote
      while (literal[i] !== '"') {
        if (literal[i] === '\\') i++;
        value += literal[i++];
      }
      i++; // closing quote
      out.push(value);
    }
    i++; // comma or closing brace
  }
  return out;
}

describe('array literal (the wire form of a column of a batch)', () => {
  it('round-trips any strings, nulls included, quotes and backslashes escaped', () => {
    fc.assert(
      fc.property(fc.array(fc.option(fc.string({ unit: 'binary' }), { nil: null })), (values) => {
        expect(parseLiteral(arrayLiteral(values, (v) => v))).toEqual(values);
      }),
    );
  });

  it('writes numbers and booleans as their text', () => {
    expect(arrayLiteral([1, 2, null, true], (v) => v)).toBe('{"1","2",NULL,"true"}');
  });
});
