import { InvalidField } from '../common/errors/domain-error';
import { formatUnits, parseUnits, UNIT_DECIMALS } from './market-rules';
import { tickPrice } from './order-effects';

/**
 * A market's price tick. A market stores it as `ticksPerUnit` (price = tick / ticksPerUnit, so 100 is a tick of
 * 0.01); the API shows it as `tickSize`, a decimal string. The tick is set when the market is created and never
 * changes, so every order of a market is on the same grid (`market_orders.ticks_per_unit` repeats it per row).
 *
 * Supported ticks (the `markets` CHECK constraint says the same): each divides one share unit's cash exactly
 * (ticksPerUnit divides 10^6) and is a multiple of 100, so an order size is whole lots of `ticksPerUnit` share
 * units and `shares × tick / ticksPerUnit` (a buy's notional, a fill's cash) is a whole number of minor units.
 */
export const TICKS_PER_UNIT_CHOICES = [100, 200, 1_000, 10_000] as const;
export const DEFAULT_TICKS_PER_UNIT = 100;

const UNIT_SCALE = 10n ** BigInt(UNIT_DECIMALS);

/** The supported tick sizes as the API writes them ("0.010000", …), for messages and the OpenAPI description. */
export const SUPPORTED_TICK_SIZES: readonly string[] = TICKS_PER_UNIT_CHOICES.map(tickSizeOf);

/** ticksPerUnit → the API's `tickSize` ("0.010000" for 100). */
export function tickSizeOf(ticksPerUnit: number): string {
  return tickPrice(1, ticksPerUnit);
}

/** A creation request's optional `tickSize` ("0.001") → ticksPerUnit (1000); absent is the default 0.01. Unsupported is a 400 naming the field. */
export function parseTickSize(tickSize: string | undefined): number {
  if (tickSize === undefined) return DEFAULT_TICKS_PER_UNIT;
  const unsupported = () => new InvalidField('tickSize', `must be one of ${TICKS_PER_UNIT_CHOICES.map((choice) => trimmed(tickSizeOf(choice))).join(', ')}`);
  let micro: bigint;
  try {
    micro = parseUnits(tickSize, 'tickSize');
  } catch {
    throw unsupported();
  }
  const ticksPerUnit = TICKS_PER_UNIT_CHOICES.find((choice) => BigInt(choice) * micro === UNIT_SCALE);
  if (ticksPerUnit === undefined) throw unsupported();
  return ticksPerUnit;
}

/** Share units per lot on a market of this tick: every order size is whole lots, so every book fill's cash is exact. */
export function lotUnitsOf(ticksPerUnit: number): bigint {
  return BigInt(ticksPerUnit);
}

/**
 * An order's price ("0.42") → its tick on the market's grid (42 for ticksPerUnit 100). Off the tick, or outside
 * one tick .. 1 − one tick, is a 400 naming the field.
 */
export function parsePriceTick(price: string, ticksPerUnit: number): number {
  const micro = parseUnits(price, 'price');
  const unitsPerTick = UNIT_SCALE / BigInt(ticksPerUnit);
  if (micro % unitsPerTick !== 0n) throw new InvalidField('price', `must be on the market's tick of ${tickSizeOf(ticksPerUnit)}`);
  const tick = micro / unitsPerTick;
  if (tick < 1n || tick >= BigInt(ticksPerUnit)) {
    throw new InvalidField('price', `must be from ${tickPrice(1, ticksPerUnit)} to ${tickPrice(ticksPerUnit - 1, ticksPerUnit)}`);
  }
  return Number(tick);
}

/** Shares must be whole lots of the market's tick (0.0001 share at 0.01, 0.001 at 0.001, …). */
export function assertWholeLots(shares: bigint, ticksPerUnit: number): void {
  const lot = lotUnitsOf(ticksPerUnit);
  if (shares % lot !== 0n) throw new InvalidField('shares', `must be a whole number of lots of ${formatUnits(lot)} shares`);
}

function trimmed(decimal: string): string {
  return decimal.replace(/0+$/, '');
}
