import { nestsDeeperThan, refuseDeepJson } from './json-depth';

const nested = (levels: number, open = '[', close = ']') => open.repeat(levels) + close.repeat(levels);

describe('nestsDeeperThan', () => {
  it('allows nesting up to the limit and refuses one level more', () => {
    expect(nestsDeeperThan(nested(32), 32)).toBe(false);
    expect(nestsDeeperThan(nested(33), 32)).toBe(true);
    const deepObject = (levels: number) => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
    expect(nestsDeeperThan(deepObject(32), 32)).toBe(false);
    expect(nestsDeeperThan(deepObject(33), 32)).toBe(true);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(nestsDeeperThan(JSON.stringify({ text: '['.repeat(100) }), 2)).toBe(false);
    expect(nestsDeeperThan(JSON.stringify({ text: `\\"${'{'.repeat(100)}` }), 2)).toBe(false);
    expect(nestsDeeperThan(`{"a":"\\\\"${'['.repeat(5)}`, 3)).toBe(true);
  });

  it('reads UTF-8 bytes and strings alike', () => {
    const body = JSON.stringify({ name: 'ünïcødé ✓', deep: JSON.parse(nested(10)) });
    expect(nestsDeeperThan(Buffer.from(body), 10)).toBe(true);
    expect(nestsDeeperThan(body, 11)).toBe(false);
  });

  it('handles thousands of levels without recursion', () => {
    expect(nestsDeeperThan(nested(100_000), 32)).toBe(true);
  });
});

describe('refuseDeepJson', () => {
  it('throws a 400 body-parser error for a deep body and passes a shallow one', () => {
    const verify = refuseDeepJson(4);
    expect(() => verify({} as never, {}, Buffer.from('{"a":[1,[2]]}'), 'utf-8')).not.toThrow();
    expect(() => verify({} as never, {}, Buffer.from(nested(5)), 'utf-8')).toThrow(expect.objectContaining({ status: 400, type: 'entity.too.deep' }));
    expect(() => verify({} as never, {}, Buffer.from(nested(5), 'utf16le'), 'utf-16le')).toThrow(expect.objectContaining({ status: 400 }));
  });
});
