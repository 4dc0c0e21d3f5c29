import {
  longPayout,
  parseMultiplier,
  positionPayout,
  positionPnl,
  roundFee,
  shortPayout,
  sideBetOdds,
  sideBetPayout,
  sideBetStatus,
  sideBetWindow,
  splitAmount,
} from './payouts';

const PRICE = 100_000_000n; // 1.00000000

describe('fees', () => {
  it('floors amount * feeBps / 10000', () => {
    expect(roundFee(1_000_000n, 100)).toBe(10_000n);
    expect(roundFee(199n, 100)).toBe(1n);
    expect(roundFee(99n, 100)).toBe(0n);
    expect(roundFee(1_000_000n, 0n)).toBe(0n);
    expect(roundFee(1_000_000n, 10_000)).toBe(1_000_000n);
    expect(roundFee(10n ** 30n + 1n, 100)).toBe(10n ** 28n);
  });

  it('splits an amount into fee and stake that add up exactly', () => {
    for (const amount of [0n, 1n, 99n, 100n, 12_345_678n]) {
      const { fee, stake } = splitAmount(amount, 100);
      expect(fee + stake).toBe(amount);
      expect(fee).toBe((amount * 100n) / 10_000n);
    }
  });

  it('refuses negative amounts and fee rates outside [0, 10000] bps', () => {
    expect(() => roundFee(-1n, 100)).toThrow(RangeError);
    expect(() => roundFee(1n, -1)).toThrow(RangeError);
    expect(() => roundFee(1n, 10_001n)).toThrow(RangeError);
    expect(() => roundFee(1n, 1.5)).toThrow(RangeError);
  });
});

describe('long payout: floor(stake * exit / entry)', () => {
  it('returns the stake when the price has not moved, scales with it otherwise', () => {
    expect(longPayout(990_000n, PRICE, PRICE)).toBe(990_000n);
    expect(longPayout(990_000n, PRICE, 2n * PRICE)).toBe(1_980_000n);
    expect(longPayout(990_000n, 2n * PRICE, PRICE)).toBe(495_000n);
  });

  it('pays 0 after a rug', () => {
    expect(longPayout(990_000n, PRICE, 0n)).toBe(0n);
  });

  it('rounds down', () => {
    expect(longPayout(10n, 3n, 2n)).toBe(6n); // 6.67
    expect(longPayout(1n, 100_000_001n, 100_000_000n)).toBe(0n);
    expect(longPayout(3n, 2n, 3n)).toBe(4n); // 4.5
  });
});

describe('short payout: max(0, floor(stake * (2 * entry - exit) / entry))', () => {
  it('returns the stake when the price has not moved', () => {
    expect(shortPayout(990_000n, PRICE, PRICE)).toBe(990_000n);
  });

  it('pays twice the stake after a rug', () => {
    expect(shortPayout(990_000n, PRICE, 0n)).toBe(1_980_000n);
  });

  it('pays 0 at exactly 2x entry and beyond, never below 0', () => {
    expect(shortPayout(990_000n, PRICE, 2n * PRICE)).toBe(0n);
    expect(shortPayout(990_000n, PRICE, 2n * PRICE + 1n)).toBe(0n);
    expect(shortPayout(990_000n, PRICE, 10n * PRICE)).toBe(0n);
  });

  it('rounds down, also just below 2x entry', () => {
    expect(shortPayout(10n, 3n, 4n)).toBe(6n); // 10 * 2 / 3 = 6.67
    expect(shortPayout(990_000n, PRICE, 2n * PRICE - 1n)).toBe(0n); // 0.0099
    expect(shortPayout(1_000_000_000n, PRICE, 2n * PRICE - 1n)).toBe(10n);
  });
});

describe('positionPayout and pnl', () => {
  it('dispatches on side', () => {
    expect(positionPayout('long', 100n, 4n, 5n)).toBe(125n);
    expect(positionPayout('short', 100n, 4n, 5n)).toBe(75n);
  });

  it('long and short with the same stake and entry pay twice the stake together (less rounding) until the short hits 0', () => {
    for (const exit of [0n, PRICE / 2n, PRICE, (3n * PRICE) / 2n, 2n * PRICE]) {
      expect(longPayout(1_000_000n, PRICE, exit) + shortPayout(1_000_000n, PRICE, exit)).toBe(2_000_000n);
    }
    // Both sides floor, so the pair may lose one unit when neither divides evenly.
    expect(longPayout(1_000_000n, PRICE, 1n) + shortPayout(1_000_000n, PRICE, 1n)).toBe(1_999_999n);
  });

  it('refuses a non-positive entry price and negative exit or stake', () => {
    expect(() => longPayout(1n, 0n, 1n)).toThrow(RangeError);
    expect(() => shortPayout(1n, 0n, 1n)).toThrow(RangeError);
    expect(() => longPayout(1n, 1n, -1n)).toThrow(RangeError);
    expect(() => shortPayout(-1n, 1n, 1n)).toThrow(RangeError);
  });

  it('measures pnl against the amount paid, fee included', () => {
    const { stake } = splitAmount(1_000_000n, 100);
    expect(positionPnl(1_000_000n, longPayout(stake, PRICE, PRICE))).toBe(-10_000n);
    expect(positionPnl(1_000_000n, longPayout(stake, PRICE, 0n))).toBe(-1_000_000n);
  });
});

describe('side bets', () => {
  it('covers [startTick, startTick + window - 1]', () => {
    expect(sideBetWindow(1, 40)).toEqual({ startTick: 1, endTick: 40 });
    expect(sideBetWindow(73, 40)).toEqual({ startTick: 73, endTick: 112 });
    expect(() => sideBetWindow(0, 40)).toThrow(RangeError);
    expect(() => sideBetWindow(1, 0)).toThrow(RangeError);
  });

  describe('status', () => {
    const window = sideBetWindow(10, 40); // ticks 10..49

    it('is won by a rug on the first or last tick of the window', () => {
      expect(sideBetStatus(window, { lastTick: 10, rugTick: 10, ended: true })).toBe('won');
      expect(sideBetStatus(window, { lastTick: 49, rugTick: 49, ended: true })).toBe('won');
    });

    it('is lost by a rug just after the window', () => {
      expect(sideBetStatus(window, { lastTick: 50, rugTick: 50, ended: true })).toBe('lost');
    });

    it('is lost as soon as the window has passed, before the round ends', () => {
      expect(sideBetStatus(window, { lastTick: 48, rugTick: null, ended: false })).toBe('active');
      expect(sideBetStatus(window, { lastTick: 49, rugTick: null, ended: false })).toBe('lost');
    });

    it('is lost when the round ends at maxTicks inside the window', () => {
      expect(sideBetStatus(window, { lastTick: 30, rugTick: null, ended: true })).toBe('lost');
    });

    it('is active while the window is open', () => {
      expect(sideBetStatus(window, { lastTick: 9, rugTick: null, ended: false })).toBe('active');
    });
  });

  it('parses multipliers exactly, up to 4 decimals', () => {
    expect(parseMultiplier('5')).toBe(50_000n);
    expect(parseMultiplier('4.5')).toBe(45_000n);
    expect(parseMultiplier('1.0001')).toBe(10_001n);
    for (const bad of ['0', '-5', '1.00001', '5x', '', '.5', '05']) expect(() => parseMultiplier(bad)).toThrow(RangeError);
  });

  it('pays floor(amount * multiplier), stake included', () => {
    expect(sideBetPayout(1_000_000n, '5')).toBe(5_000_000n);
    expect(sideBetPayout(3n, '4.5')).toBe(13n);
    expect(() => sideBetPayout(-1n, '5')).toThrow(RangeError);
  });

  it('states odds: 1 - (1 - p)^window, expected value and house edge', () => {
    const odds = sideBetOdds({ rugProbability: 0.005, window: 40, payoutMultiplier: '5' });
    const winProbability = 1 - Math.pow(0.995, 40);
    expect(odds.window).toBe(40);
    expect(odds.payoutMultiplier).toBe('5');
    expect(odds.winProbability).toBe(winProbability);
    expect(odds.winProbability).toBeCloseTo(0.18168, 5);
    expect(odds.expectedValuePerUnit).toBeCloseTo(5 * winProbability - 1, 12);
    expect(odds.houseEdge).toBeCloseTo(0.0916, 4);
    expect(odds.houseEdge + odds.expectedValuePerUnit).toBeCloseTo(0, 12);
  });

  it('counts only the ticks left before maxTicks', () => {
    const odds = sideBetOdds({ rugProbability: 0.005, window: 40, payoutMultiplier: '5', ticksRemaining: 10 });
    expect(odds.window).toBe(40);
    expect(odds.winProbability).toBe(1 - Math.pow(0.995, 10));
    expect(sideBetOdds({ rugProbability: 0.005, window: 40, payoutMultiplier: '5', ticksRemaining: 0 }).winProbability).toBe(0);
    expect(sideBetOdds({ rugProbability: 0.005, window: 40, payoutMultiplier: '5', ticksRemaining: 100 }).winProbability).toBe(1 - Math.pow(0.995, 40));
  });

  it('refuses a probability outside [0, 1]', () => {
    expect(() => sideBetOdds({ rugProbability: 2, window: 40, payoutMultiplier: '5' })).toThrow(RangeError);
    expect(() => sideBetOdds({ rugProbability: Number.NaN, window: 40, payoutMultiplier: '5' })).toThrow(RangeError);
  });
});
