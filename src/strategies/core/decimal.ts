/** Fixed-scale decimals of the rules document, parsed exactly into integers (no floats near money). */

const DECIMAL_TEXT = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;

/** `"1.5"` at 4 decimals → `15000n`; null when the text is not a plain non-negative decimal with at most `decimals` places. */
export function parseScaled(text: string, decimals: number): bigint | null {
  const match = DECIMAL_TEXT.exec(text);
  if (match === null) return null;
  const fraction = match[2] ?? '';
  if (fraction.length > decimals) return null;
  return BigInt(match[1]) * 10n ** BigInt(decimals) + BigInt(fraction.padEnd(decimals, '0') || '0');
}

/** A JSON Schema `pattern` accepting what `parseScaled(text, decimals)` accepts. */
export function decimalPattern(decimals: number): string {
  return `^(0|[1-9][0-9]*)(\\.[0-9]{1,${decimals}})?$`;
}

export const USDC_SCALE_DECIMALS = 6;
export const PRICE_SCALE_DECIMALS = 8;
/** Multiples, fractions and multipliers of the rules: 1e-6 resolution. */
export const RATIO_DECIMALS = 6;
export const RATIO_SCALE = 10n ** BigInt(RATIO_DECIMALS);

export function formatScaled(value: bigint, decimals: number): string {
  const negative = value < 0n;
  const magnitude = negative ? -value : value;
  const scale = 10n ** BigInt(decimals);
  const fraction = (magnitude % scale).toString().padStart(decimals, '0');
  return `${negative ? '-' : ''}${magnitude / scale}.${fraction}`;
}
