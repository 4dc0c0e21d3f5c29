import { SeededRandom } from '../markets/amm/seeded-random';
import { curveValue, dividendPartOf, feeOf, nextSharePrice, quoteBuy, quoteSell, reserveFor, sumOfSquares, takeFromLots } from './creator-curve';
import { InsufficientShares, SharesLocked, TradeTooSmall } from './creator-errors';

const RULES = { divisor: 16_000n, creatorFeeBps: 500n, platformFeeBps: 500n, dividendShareBps: 5000n };

/** The definition, share by share: Σ k² · 10^6 / divisor, floored once at the end. */
function loopValue(supply: bigint, divisor: bigint): bigint {
  let squares = 0n;
  for (let k = 1n; k <= supply; k++) squares += k * k;
  return (squares * 1_000_000n) / divisor;
}

describe('creator share curve', () => {
  it('sums squares in closed form exactly as the loop does', () => {
    for (let s = 0n; s <= 2000n; s++) expect(sumOfSquares(s)).toBe(loopValue(s, 1_000_000n));
    const random = new SeededRandom(15);
    for (let i = 0; i < 200; i++) {
      const supply = BigInt(random.int(0, 5000));
      const divisor = BigInt(random.int(1, 100_000));
      expect(curveValue(supply, divisor)).toBe(loopValue(supply, divisor));
    }
  });

  it('prices the friend.tech curve: share k costs about k²/16000 USDC', () => {
    expect(curveValue(1n, 16_000n)).toBe(62n); // 1/16000 USDC = 62.5 minor units, floored
    expect(nextSharePrice(1n, 16_000n)).toBe(250n); // share 2: 4/16000 USDC
    expect(nextSharePrice(99n, 16_000n)).toBe(625_000n); // share 100: 10000/16000 = 0.625 USDC
    expect(reserveFor(1n, 16_000n)).toBe(0n);
  });

  it('does not depend on how a trade is split: n buys of one cost the same curve value as one buy of n', () => {
    const random = new SeededRandom(7);
    for (let i = 0; i < 100; i++) {
      const supply = BigInt(random.int(1, 3000));
      const shares = BigInt(random.int(1, 50));
      let split = 0n;
      for (let k = 0n; k < shares; k++) split += quoteBuy(supply + k, 1n, RULES).value;
      expect(split).toBe(quoteBuy(supply, shares, RULES).value);
      // A buy and the sell straight after move the same curve value back.
      expect(quoteSell(supply + shares, shares, RULES).value).toBe(quoteBuy(supply, shares, RULES).value);
    }
  });

  it('rounds fees up and proceeds down', () => {
    expect(feeOf(250n, 500n)).toBe(13n); // 12.5 → 13
    expect(feeOf(200n, 500n)).toBe(10n);
    expect(feeOf(1n, 1n)).toBe(1n);
    expect(feeOf(0n, 500n)).toBe(0n);
    expect(dividendPartOf(13n, 5000n)).toBe(6n); // 6.5 → 6: the creator keeps the rounding

    const buy = quoteBuy(1n, 1n, RULES);
    expect(buy).toEqual({ side: 'buy', shares: 1n, supplyBefore: 1n, supplyAfter: 2n, value: 250n, creatorFee: 13n, platformFee: 13n, dividendFee: 6n, total: 276n });
    const sell = quoteSell(2n, 1n, RULES);
    expect(sell).toEqual({ side: 'sell', shares: 1n, supplyBefore: 2n, supplyAfter: 1n, value: 250n, creatorFee: 13n, platformFee: 13n, dividendFee: 6n, total: 224n });
  });

  it('never takes fees below the exact basis points nor pays a seller above them, on random trades', () => {
    const random = new SeededRandom(99);
    for (let i = 0; i < 500; i++) {
      const supply = BigInt(random.int(2, 10_000));
      const rules = { ...RULES, creatorFeeBps: BigInt(random.int(0, 1000)), platformFeeBps: BigInt(random.int(0, 1000)) };
      const sell = quoteSell(supply, BigInt(random.int(1, Number(supply) - 1)), rules);
      // fee × 10000 ≥ value × bps, and less than one unit more.
      for (const [fee, bps] of [[sell.creatorFee, rules.creatorFeeBps], [sell.platformFee, rules.platformFeeBps]] as const) {
        expect(fee * 10_000n >= sell.value * bps).toBe(true);
        expect(fee * 10_000n - sell.value * bps < 10_000n).toBe(true);
      }
      expect(sell.total).toBe(sell.value - sell.creatorFee - sell.platformFee);
      expect(sell.dividendFee <= sell.creatorFee).toBe(true);
    }
  });

  it('never lets the supply fall below 1, nor sells for nothing', () => {
    expect(() => quoteSell(1n, 1n, RULES)).toThrow(InsufficientShares);
    expect(() => quoteSell(5n, 5n, RULES)).toThrow(InsufficientShares);
    expect(() => quoteSell(2n, 1n, { ...RULES, divisor: 10n ** 12n })).toThrow(TradeTooSmall);
  });
});

describe('lots', () => {
  const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, seconds));
  const lots = [
    { id: 'b', remaining: 3n, lockedUntil: at(10) },
    { id: 'a', remaining: 2n, lockedUntil: at(10) },
    { id: 'c', remaining: 4n, lockedUntil: at(5) },
    { id: 'd', remaining: 5n, lockedUntil: at(60) },
  ];

  it('sells the oldest unlocked lots first', () => {
    expect(takeFromLots(lots, 7n, at(30))).toEqual([
      { id: 'c', shares: 4n },
      { id: 'a', shares: 2n },
      { id: 'b', shares: 1n },
    ]);
  });

  it('refuses a sell of locked shares, saying when the next ones unlock', () => {
    expect(() => takeFromLots(lots, 10n, at(30))).toThrow(SharesLocked);
    try {
      takeFromLots(lots, 10n, at(30));
    } catch (error) {
      expect((error as SharesLocked).details).toEqual({ shares: '10', unlocked: '9', nextUnlockAt: at(60).toISOString() });
    }
  });

  it('refuses a sell of more than the lots hold', () => {
    expect(() => takeFromLots(lots, 15n, at(100))).toThrow(InsufficientShares);
    expect(takeFromLots(lots, 14n, at(100))).toHaveLength(4);
  });
});
