import { buildTicker } from './ticker';

const quote = { symbol: 'BTC_USDC_PERP', bid: '99', ask: '101', bidSize: '1', askSize: '1', updateId: 1, exchangeTime: 0, receivedAt: Date.UTC(2026, 10, 25) };

describe('buildTicker', () => {
  it('measures the change against the mid 24 h ago, exactly', () => {
    expect(buildTicker(quote, { open: '80', high: '120', low: '79.5', volume: '1520.5' }, false)).toEqual({
      symbol: 'BTC_USDC_PERP',
      last: '100',
      bid: '99',
      ask: '101',
      open24h: '80',
      change24h: '20',
      changePercent24h: '25.00',
      high24h: '120',
      low24h: '79.5',
      volume24h: '1520.5',
      stale: false,
      updatedAt: '2026-11-25T00:00:00.000Z',
    });
  });

  it('widens high and low with the latest mid, and starts from it with no candles', () => {
    expect(buildTicker(quote, { open: '100.3', high: '100.2', low: '100.1', volume: '0' }, true)).toMatchObject({ high24h: '100.2', low24h: '100', change24h: '-0.3', changePercent24h: '-0.30', stale: true });
    expect(buildTicker(quote, { open: null, high: null, low: null, volume: '0' }, false)).toMatchObject({ open24h: '100', high24h: '100', low24h: '100', change24h: '0', changePercent24h: '0.00' });
  });
});
