import { InvalidField } from '../common/errors/domain-error';
import { effectivePeriod, lastEndedPeriod, parsePeriod, periodEndOf, periodStartOf } from './dividend-periods';

const DAY = 86_400;
const at = (iso: string) => new Date(iso);

describe('dividend periods', () => {
  it('are UTC days by default, or windows of DIVIDEND_PERIOD_SECONDS from midnight', () => {
    expect(periodStartOf(at('2026-01-05T23:59:59.999Z'), DAY)).toEqual(at('2026-01-05T00:00:00.000Z'));
    expect(periodEndOf(at('2026-01-05T00:00:00.000Z'), DAY)).toEqual(at('2026-01-06T00:00:00.000Z'));
    expect(periodStartOf(at('2026-01-05T10:00:07.500Z'), 5)).toEqual(at('2026-01-05T10:00:05.000Z'));
    expect(lastEndedPeriod(at('2026-01-06T00:00:01Z'), DAY)).toEqual(at('2026-01-05T00:00:00.000Z'));
  });

  it('put a fee earned after its period closed into the first period still open', () => {
    const now = at('2026-01-05T23:59:59.900Z');
    expect(effectivePeriod(now, null, DAY)).toEqual(at('2026-01-05T00:00:00Z'));
    expect(effectivePeriod(now, at('2026-01-04T00:00:00Z'), DAY)).toEqual(at('2026-01-05T00:00:00Z'));
    expect(effectivePeriod(now, at('2026-01-05T00:00:00Z'), DAY)).toEqual(at('2026-01-06T00:00:00Z'));
  });

  it('parse a UTC date or an instant on a period boundary, and nothing else', () => {
    expect(parsePeriod('2026-01-05', DAY)).toEqual(at('2026-01-05T00:00:00Z'));
    expect(parsePeriod('2026-01-05T00:00:00.000Z', DAY)).toEqual(at('2026-01-05T00:00:00Z'));
    expect(parsePeriod('2026-01-05T10:00:05Z', 5)).toEqual(at('2026-01-05T10:00:05Z'));
    for (const bad of ['2026-01-05T10:00:00Z', 'yesterday', '2026-13-45', '2026-01-05T00:00:00+01:00', 5, undefined]) {
      expect(() => parsePeriod(bad, DAY)).toThrow(InvalidField);
    }
  });
});
