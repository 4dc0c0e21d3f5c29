import { compareDecimals, midPrice, parseDecimal } from './decimal-price';
import { PriceSimulator, simulatedMarket } from './price-simulator';

const SYMBOLS = ['BTC_USDC_PERP', 'ETH_USDC_PERP', 'SOL_USDC_PERP', 'ADA_USDC_PERP', 'XYZ_USDC_PERP'];

function run(seed: string, steps: number, symbols = SYMBOLS) {
  const simulator = new PriceSimulator(symbols, { seed, intervalMs: 250 });
  return Array.from({ length: steps }, (_, i) => simulator.step(1_764_072_000_000 + i * 250)).flat();
}

function isMultipleOf(price: string, tick: string): boolean {
  const value = parseDecimal(price);
  const step = parseDecimal(tick);
  const scale = Math.max(value.scale, step.scale);
  return (value.units * 10n ** BigInt(scale - value.scale)) % (step.units * 10n ** BigInt(scale - step.scale)) === 0n;
}

describe('PriceSimulator', () => {
  it('replays the same quotes from the same seed, and other quotes from another', () => {
    expect(run('seed-1', 200)).toEqual(run('seed-1', 200));
    expect(run('seed-2', 200)).not.toEqual(run('seed-1', 200));
  });

  it('gives each symbol its own stream: adding a symbol leaves the others unchanged', () => {
    const alone = run('s', 50, ['BTC_USDC_PERP']);
    const withOthers = run('s', 50, ['ETH_USDC_PERP', 'BTC_USDC_PERP']).filter((quote) => quote.symbol === 'BTC_USDC_PERP');
    expect(withOthers).toEqual(alone);
  });

  it('starts near realistic prices, an unknown symbol at a sane default', () => {
    const first = new PriceSimulator(SYMBOLS, { seed: 'x', intervalMs: 250 }).step(0);
    const mids = Object.fromEntries(first.map((quote) => [quote.symbol, Number(midPrice(quote.bid, quote.ask))]));
    expect(mids.BTC_USDC_PERP).toBeGreaterThan(95_000);
    expect(mids.BTC_USDC_PERP).toBeLessThan(99_000);
    expect(mids.ETH_USDC_PERP).toBeGreaterThan(3500);
    expect(mids.SOL_USDC_PERP).toBeGreaterThan(170);
    expect(mids.ADA_USDC_PERP).toBeGreaterThan(0.9);
    expect(mids.ADA_USDC_PERP).toBeLessThan(1);
    expect(mids.XYZ_USDC_PERP).toBeGreaterThan(90);
  });

  it('quotes a positive spread on the tick grid, with increasing update ids', () => {
    const quotes = run('grid', 400);
    const lastId = new Map<string, number>();
    for (const quote of quotes) {
      const { tick } = simulatedMarket(quote.symbol);
      expect(compareDecimals(quote.ask, quote.bid)).toBe(1);
      expect(compareDecimals(quote.bid, '0')).toBe(1);
      expect(isMultipleOf(quote.bid, tick) && isMultipleOf(quote.ask, tick)).toBe(true);
      expect(quote.updateId).toBeGreaterThan(lastId.get(quote.symbol) ?? 0);
      lastId.set(quote.symbol, quote.updateId);
      expect(compareDecimals(quote.bidSize, '0')).toBe(1);
    }
  });

  it('keeps the spread tight (BTC under 2 bp) and the moves realistic (BTC under 1 % in 10 minutes of steps, but moving)', () => {
    const btc = run('vol', 2400, ['BTC_USDC_PERP']);
    for (const quote of btc) expect((Number(quote.ask) - Number(quote.bid)) / Number(quote.bid)).toBeLessThan(0.0002);
    const mids = btc.map((quote) => Number(midPrice(quote.bid, quote.ask)));
    const range = (Math.max(...mids) - Math.min(...mids)) / mids[0];
    expect(range).toBeGreaterThan(0.0003);
    expect(range).toBeLessThan(0.02);
  });

  it('continues from a previous leader’s last mid and update id', () => {
    const simulator = new PriceSimulator(['BTC_USDC_PERP'], { seed: 'c', intervalMs: 250, start: { BTC_USDC_PERP: { mid: '50000.05', updateId: 41 } } });
    const [quote] = simulator.step(0);
    expect(quote.updateId).toBe(42);
    expect(Math.abs(Number(midPrice(quote.bid, quote.ask)) - 50000)).toBeLessThan(100);
  });
});
