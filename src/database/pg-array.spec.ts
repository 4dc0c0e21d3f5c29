import { pgArray } from './pg-array';

describe('pgArray', () => {
  it('writes ids, amounts and keys bare', () => {
    expect(pgArray(['3f2b6c1e-0000-4000-8000-000000000001', '-12.5', 'perp-position:abc:open', 7, 10n ** 30n])).toBe(
      '{3f2b6c1e-0000-4000-8000-000000000001,-12.5,perp-position:abc:open,7,1000000000000000000000000000000}',
    );
  });

  it('writes null as NULL and the string "null" quoted', () => {
    expect(pgArray([null, 'null', 'NULL'])).toBe('{NULL,"null","NULL"}');
  });

  it('quotes the empty string, whitespace and the array syntax, escaping quotes and backslashes', () => {
    expect(pgArray(['', 'a b', 'a,b', '{x}', 'say "hi"', 'back\\slash'])).toBe('{"","a b","a,b","{x}","say \\"hi\\"","back\\\\slash"}');
  });

  it('writes an empty array', () => {
    expect(pgArray([])).toBe('{}');
  });
});
