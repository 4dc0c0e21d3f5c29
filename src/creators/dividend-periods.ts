import { InvalidField } from '../common/errors/domain-error';

/**
 * Dividend periods, pure: consecutive windows of DIVIDEND_PERIOD_SECONDS starting at UTC midnight (a UTC day by
 * default), each named by its start as ISO 8601. A fee belongs to the period it was earned in, unless the job has
 * already closed that period (a trade that started just before midnight and committed after the close): then it
 * belongs to the first period still open, so a closed period's pool never grows again.
 */

export function periodStartOf(at: Date, periodSeconds: number): Date {
  const size = periodSeconds * 1000;
  return new Date(Math.floor(at.getTime() / size) * size);
}

export function periodEndOf(start: Date, periodSeconds: number): Date {
  return new Date(start.getTime() + periodSeconds * 1000);
}

/** The period a fee or a share trade at `now` counts in, given the latest period the dividend job closed. */
export function effectivePeriod(now: Date, closedThrough: Date | null, periodSeconds: number): Date {
  const current = periodStartOf(now, periodSeconds);
  if (!closedThrough) return current;
  const firstOpen = periodEndOf(closedThrough, periodSeconds);
  return firstOpen > current ? firstOpen : current;
}

/** The latest period that has fully ended at `now`. */
export function lastEndedPeriod(now: Date, periodSeconds: number): Date {
  return new Date(periodStartOf(now, periodSeconds).getTime() - periodSeconds * 1000);
}

export function formatPeriod(start: Date): string {
  return start.toISOString();
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?Z$/;

/** `2026-01-05` (a UTC day) or `2026-01-05T00:00:00.000Z`, on a period boundary; a 400 naming `field` otherwise. */
export function parsePeriod(value: unknown, periodSeconds: number, field = 'period'): Date {
  if (typeof value !== 'string' || !(DATE_ONLY.test(value) || INSTANT.test(value))) {
    throw new InvalidField(field, 'must be a UTC date (2026-01-05) or an ISO 8601 instant ending in Z');
  }
  const start = new Date(value);
  if (Number.isNaN(start.getTime())) throw new InvalidField(field, 'must be a real date');
  if (periodStartOf(start, periodSeconds).getTime() !== start.getTime()) {
    throw new InvalidField(field, `must be the start of a dividend period (every ${periodSeconds} s from UTC midnight)`);
  }
  return start;
}
