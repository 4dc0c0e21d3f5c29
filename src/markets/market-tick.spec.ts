import { DomainError } from '../common/errors/domain-error';
import { buyHold, tickPrice } from './order-effects';
import { assertWholeLots, DEFAULT_TICKS_PER_UNIT, parsePriceTick, parseTickSize, SUPPORTED_TICK_SIZES, tickSizeOf } from './market-tick';

/** The refusal's field and message, or undefined if it did not throw. */
function refusal(run: () => unknown): { status: number; field: string; message: string } | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    const [detail] = error.details as { field: string }[];
    return { status: error.status, field: detail.field, message: error.message };
  }
}

describe('market tick', () => {
  describe('parseTickSize', () => {
    it('absent is the default tick of 0.01', () => {
      expect(parseTickSize(undefined)).toBe(100);
      expect(DEFAULT_TICKS_PER_UNIT).toBe(100);
    });

    it.each([
      ['0.01', 100],
      ['0.005', 200],
      ['0.001', 1_000],
      ['0.0001', 10_000],
      ['0.010000', 100],
      ['0.0010', 1_000],
    ])('%s → %d ticks per unit', (tickSize, ticksPerUnit) => {
      expect(parseTickSize(tickSize)).toBe(ticksPerUnit);
    });

    it.each(['0.1', '0.02', '0.0025', '0.00001', '0.0000001', '1', '0', '-0.01', 'abc', ''])('refuses %p with a 400 naming tickSize', (tickSize) => {
      expect(refusal(() => parseTickSize(tickSize))).toEqual({
        status: 400,
        field: 'tickSize',
        message: 'tickSize must be one of 0.01, 0.005, 0.001, 0.0001',
      });
    });

    it('shows each supported tick as a 6-decimal string that parses back to itself', () => {
      expect(SUPPORTED_TICK_SIZES).toEqual(['0.010000', '0.005000', '0.001000', '0.000100']);
      for (const tickSize of SUPPORTED_TICK_SIZES) expect(tickSizeOf(parseTickSize(tickSize))).toBe(tickSize);
    });
  });

  describe('parsePriceTick', () => {
    it('reads a price as whole ticks of the market', () => {
      expect(parsePriceTick('0.42', 100)).toBe(42);
      expect(parsePriceTick('0.123', 1_000)).toBe(123);
      expect(parsePriceTick('0.125', 200)).toBe(25);
      expect(parsePriceTick('0.1234', 10_000)).toBe(1_234);
      expect(tickPrice(123, 1_000)).toBe('0.123000');
    });

    it('accepts one tick and 1 − one tick, and refuses 0, 1 and beyond', () => {
      expect(parsePriceTick('0.001', 1_000)).toBe(1);
      expect(parsePriceTick('0.999', 1_000)).toBe(999);
      expect(parsePriceTick('0.0001', 10_000)).toBe(1);
      expect(parsePriceTick('0.9999', 10_000)).toBe(9_999);
      expect(refusal(() => parsePriceTick('1', 1_000))).toEqual({ status: 400, field: 'price', message: 'price must be from 0.001000 to 0.999000' });
      expect(refusal(() => parsePriceTick('1.001', 1_000))?.field).toBe('price');
      expect(refusal(() => parsePriceTick('0', 100))?.field).toBe('price');
    });

    it('refuses a price off the market’s tick', () => {
      expect(refusal(() => parsePriceTick('0.1234', 1_000))).toEqual({ status: 400, field: 'price', message: "price must be on the market's tick of 0.001000" });
      expect(refusal(() => parsePriceTick('0.123', 100))).toEqual({ status: 400, field: 'price', message: "price must be on the market's tick of 0.010000" });
      expect(refusal(() => parsePriceTick('0.123', 200))?.field).toBe('price');
      expect(refusal(() => parsePriceTick('0.12345', 10_000))?.field).toBe('price');
      // Beyond the cash decimals (6) is refused as well, never rounded.
      expect(refusal(() => parsePriceTick('0.1230001', 1_000))?.field).toBe('price');
    });
  });

  describe('lots', () => {
    it('an order size is whole lots of ticksPerUnit share units, so the notional of any price on the tick is exact', () => {
      expect(() => assertWholeLots(1_000n, 1_000)).not.toThrow();
      expect(refusal(() => assertWholeLots(1_500n, 1_000))).toEqual({ status: 400, field: 'shares', message: 'shares must be a whole number of lots of 0.001000 shares' });
      for (const ticksPerUnit of [100, 200, 1_000, 10_000]) {
        const shares = 7n * BigInt(ticksPerUnit);
        for (const tick of [1, ticksPerUnit / 2 + 1, ticksPerUnit - 1]) {
          expect((shares * BigInt(tick)) % BigInt(ticksPerUnit)).toBe(0n);
          // The hold is the exact notional plus the fee on it.
          const notional = (shares * BigInt(tick)) / BigInt(ticksPerUnit);
          expect(buyHold(shares, tick, ticksPerUnit, 100)).toBe(notional + (notional * 100n) / 10_000n);
        }
      }
      // 0.123 × 10 shares at tick 0.001: 1.23 USDC, plus 1% fee.
      expect(buyHold(10_000_000n, 123, 1_000, 100)).toBe(1_230_000n + 12_300n);
    });
  });
});
