/**
 * Amounts cross the API as decimal strings and live everywhere else as integer minor units
 * (`bigint`; `numeric(78,0)` in PostgreSQL). These functions are the only bridge between the two,
 * so no amount is ever a JS `number`.
 */

/** What `numeric(78,0)` can hold. */
export const MAX_AMOUNT_DIGITS = 78;

export type AmountSign = 'positive' | 'nonNegative' | 'nonZero' | 'any';

export interface AmountRules {
  /** The asset's decimals: more fractional digits than this are refused. */
  decimals: number;
  /** Default `positive`: strictly greater than zero. `nonZero` is for signed amounts such as adjustments. */
  sign?: AmountSign;
}

/** A decimal string that `parseAmount` refused; `field` names the input so a 400 can point at it. */
export class AmountFormatError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field} ${reason}`);
    this.name = 'AmountFormatError';
  }
}

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

const SIGN_RULES: Record<AmountSign, { allowNegative: boolean; allowZero: boolean; wording: string }> = {
  positive: { allowNegative: false, allowZero: false, wording: 'must be greater than zero' },
  nonNegative: { allowNegative: false, allowZero: true, wording: 'must not be negative' },
  nonZero: { allowNegative: true, allowZero: false, wording: 'must not be zero' },
  any: { allowNegative: true, allowZero: true, wording: '' },
};

/** Why `value` is not an acceptable decimal string (shape and sign only), or undefined when it is. */
export function amountShapeProblem(value: unknown, sign: AmountSign = 'positive', maxDecimals?: number): string | undefined {
  if (typeof value !== 'string') return 'must be a decimal string such as "12.5"';
  if (/[eE]/.test(value)) return 'must be a plain decimal string without an exponent';
  const match = DECIMAL.exec(value);
  if (!match) return 'must be a decimal string such as "12.5" (digits, optional "." and fraction, no spaces or "+")';
  const [, minus, whole, fraction = ''] = match;
  if (maxDecimals !== undefined && fraction.length > maxDecimals) return `must have at most ${maxDecimals} decimal places`;
  // Stored as minor units: the whole part gains the asset's decimals, and must still fit numeric(78,0).
  if (whole.replace(/^0+/, '').length + (maxDecimals ?? fraction.length) > MAX_AMOUNT_DIGITS) return 'is too large';
  const isZero = /^0+$/.test(whole) && /^0*$/.test(fraction);
  const rules = SIGN_RULES[sign];
  if (minus && !isZero && !rules.allowNegative) return rules.wording;
  if (isZero && !rules.allowZero) return rules.wording;
  return undefined;
}

/** Decimal string → minor units, e.g. `parseAmount('12.5', {decimals: 6})` is `12_500_000n`. */
export function parseAmount(value: unknown, rules: AmountRules, field = 'amount'): bigint {
  const sign = rules.sign ?? 'positive';
  const problem = amountShapeProblem(value, sign, rules.decimals);
  if (problem) throw new AmountFormatError(field, problem);
  const [, minus, whole, fraction = ''] = DECIMAL.exec(value as string)!;
  const minor = BigInt(whole + fraction.padEnd(rules.decimals, '0'));
  return minus ? -minor : minor;
}

/** Minor units → decimal string with exactly `decimals` places, e.g. `formatAmount(40_000_000n, 6)` is `"40.000000"`. */
export function formatAmount(minor: bigint, decimals: number): string {
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString().padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals);
  return `${negative ? '-' : ''}${whole}${decimals > 0 ? `.${fraction}` : ''}`;
}

/** `numeric` values come back from PostgreSQL as strings of integers. */
export function minorFromDb(value: string | number | bigint | null | undefined): bigint {
  if (value === null || value === undefined) return 0n;
  return BigInt(value);
}

/** TypeORM column transformer: `numeric(78,0)` ⇄ `bigint`. */
export const minorUnitsColumn = {
  to: (value: bigint | null | undefined): string | null | undefined => (typeof value === 'bigint' ? value.toString() : value),
  from: (value: string | null): bigint | null => (value === null ? null : BigInt(value)),
};
