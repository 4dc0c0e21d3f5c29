import { jsonbText } from './jsonb-text';

describe('jsonbText', () => {
  it('writes ordinary values exactly as JSON.stringify does', () => {
    const value = { ok: true, message: 'unknown outcome "Maybe" 😀', list: [1, 'a\\ud800'] };
    expect(jsonbText(value)).toBe(JSON.stringify(value));
  });

  it('replaces lone surrogates in values and keys with U+FFFD and keeps pairs', () => {
    const text = jsonbText({ message: 'outcome "\ud800x"', ['k\udc00']: ['\udbff', '😀'] });
    expect(JSON.parse(text)).toEqual({ message: 'outcome "\ufffdx"', ['k\ufffd']: ['\ufffd', '😀'] });
    expect(text).not.toMatch(/\\u[dD][89a-fA-F]/);
  });
});
