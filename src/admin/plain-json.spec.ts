import { plainJson } from './audit.service';

describe('plainJson (what a jsonb column can hold)', () => {
  it('writes bigints as decimal strings, Dates as ISO strings and undefined as null', () => {
    expect(plainJson({ amount: 10n ** 30n, at: new Date('2026-12-03T00:00:00Z') })).toEqual({ amount: '1000000000000000000000000000000', at: '2026-12-03T00:00:00.000Z' });
    expect(plainJson(undefined)).toBeNull();
  });

  it('replaces lone surrogates, in values and keys, by U+FFFD and keeps surrogate pairs', () => {
    expect(plainJson({ reason: 'a\ud800b', ['k\udc00']: ['\ud83d\ude00', 'x\udfff'] })).toEqual({ reason: 'a\ufffdb', ['k\ufffd']: ['\ud83d\ude00', 'x\ufffd'] });
  });
});
