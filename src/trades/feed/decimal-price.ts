/**
 * Exact decimal prices as the feed handles them: a decimal string is an integer number of units at a
 * scale (`"97000.15"` is 9700015 at scale 2). Only bigint arithmetic: no float ever touches a price.
 */
export interface ScaledDecimal {
  units: bigint;
  scale: number;
}

const DECIMAL = /^(-?)(\d{1,40})(?:\.(\d{1,30}))?$/;

/** True for plain decimal strings (`"97000.1"`, `"0.95"`); no exponents, no signs but `-`, at most 30 decimals. */
export function isDecimalString(value: unknown): value is string {
  return typeof value === 'string' && DECIMAL.test(value);
}

export function parseDecimal(value: string): ScaledDecimal {
  const match = DECIMAL.exec(value);
  if (!match) throw new Error(`not a decimal string: "${value}"`);
  const [, sign, whole, fraction = ''] = match;
  const units = BigInt(whole + fraction);
  return { units: sign ? -units : units, scale: fraction.length };
}

export function formatDecimal({ units, scale }: ScaledDecimal): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  return negative ? `-${text}` : text;
}

/** `value` at `scale` (at least its own): `atScale({9700015n, 2}, 3)` is 97000150. */
export function atScale(value: ScaledDecimal, scale: number): bigint {
  if (scale < value.scale) throw new Error(`cannot lower the scale of ${formatDecimal(value)} to ${scale} exactly`);
  return value.units * 10n ** BigInt(scale - value.scale);
}

export function compareDecimals(a: string, b: string): number {
  const left = parseDecimal(a);
  const right = parseDecimal(b);
  const scale = Math.max(left.scale, right.scale);
  const difference = atScale(left, scale) - atScale(right, scale);
  return difference === 0n ? 0 : difference < 0n ? -1 : 1;
}

export function maxDecimal(a: string, b: string): string {
  return compareDecimals(a, b) >= 0 ? a : b;
}

export function minDecimal(a: string, b: string): string {
  return compareDecimals(a, b) <= 0 ? a : b;
}

/** (bid + ask) / 2, exactly: one more decimal than the inputs when the sum is odd (`"1.1"`, `"1.2"` → `"1.15"`). */
export function midPrice(bid: string, ask: string): string {
  const left = parseDecimal(bid);
  const right = parseDecimal(ask);
  const scale = Math.max(left.scale, right.scale);
  const sum = atScale(left, scale) + atScale(right, scale);
  if (sum % 2n === 0n) return formatDecimal({ units: sum / 2n, scale });
  return formatDecimal({ units: sum * 5n, scale: scale + 1 });
}

/** Adds decimal strings exactly (volumes). */
export function addDecimals(a: string, b: string): string {
  const left = parseDecimal(a);
  const right = parseDecimal(b);
  const scale = Math.max(left.scale, right.scale);
  return formatDecimal({ units: atScale(left, scale) + atScale(right, scale), scale });
}

/** Integer number of ticks of `tick` in `price`, when `price` is a multiple of it (the simulator's own prices). */
export function ticksOf(price: string, tick: string): bigint {
  const value = parseDecimal(price);
  const step = parseDecimal(tick);
  const scale = Math.max(value.scale, step.scale);
  const units = atScale(value, scale);
  const stepUnits = atScale(step, scale);
  return units / stepUnits;
}

/** `ticks` × `tick` as a decimal string at the tick's scale. */
export function priceOfTicks(ticks: bigint, tick: string): string {
  const step = parseDecimal(tick);
  return formatDecimal({ units: ticks * step.units, scale: step.scale });
}
