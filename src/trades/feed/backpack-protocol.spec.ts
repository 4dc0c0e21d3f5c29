import { parseBackpackFrame, subscribeMessage } from './backpack-protocol';

const frame = (data: Record<string, unknown>, stream = 'bookTicker.BTC_USDC_PERP') => JSON.stringify({ stream, data });
const BOOK = { e: 'bookTicker', E: 1764072000123456, s: 'BTC_USDC_PERP', a: '97000.2', A: '0.512', b: '97000.1', B: '1.25', u: 1882211, T: 1764072000123000 };

describe('Backpack bookTicker frames', () => {
  it('subscribes to one bookTicker stream per symbol', () => {
    expect(JSON.parse(subscribeMessage(['BTC_USDC_PERP', 'SOL_USDC_PERP']))).toEqual({ method: 'SUBSCRIBE', params: ['bookTicker.BTC_USDC_PERP', 'bookTicker.SOL_USDC_PERP'], id: 1 });
  });

  it('turns a bookTicker into a quote: decimal strings kept, microseconds to milliseconds', () => {
    expect(parseBackpackFrame(frame(BOOK), 1764072000200)).toEqual({
      kind: 'quote',
      quote: { symbol: 'BTC_USDC_PERP', bid: '97000.1', ask: '97000.2', bidSize: '1.25', askSize: '0.512', updateId: 1882211, exchangeTime: 1764072000123, receivedAt: 1764072000200 },
    });
    expect(parseBackpackFrame(Buffer.from(frame({ ...BOOK, E: '1764072000123456', u: '7' })), 1)).toMatchObject({ kind: 'quote', quote: { exchangeTime: 1764072000123, updateId: 7 } });
  });

  it('ignores subscription replies and other streams', () => {
    expect(parseBackpackFrame('{"id":1,"result":null}', 0)).toEqual({ kind: 'ignored', reason: 'reply' });
    expect(parseBackpackFrame(frame({ e: 'trade' }, 'trade.BTC_USDC_PERP'), 0)).toMatchObject({ kind: 'ignored' });
  });

  it.each([
    ['not JSON', '{"stream":'],
    ['an array', '[1,2]'],
    ['no stream', '{"data":{}}'],
    ['a refused request', '{"id":1,"error":{"code":4001,"message":"Invalid stream"}}'],
    ['no data', JSON.stringify({ stream: 'bookTicker.BTC_USDC_PERP' })],
    ['a float price', frame({ ...BOOK, a: 97000.2 })],
    ['an exponent price', frame({ ...BOOK, b: '9.7e4' })],
    ['a negative size', frame({ ...BOOK, B: '-1' })],
    ['a zero bid', frame({ ...BOOK, b: '0' })],
    ['a crossed book', frame({ ...BOOK, b: '97000.3' })],
    ['a price finer than 8 decimals', frame({ ...BOOK, b: '97000.100000001' })],
    ['a missing update id', frame({ ...BOOK, u: undefined })],
    ['a fractional update id', frame({ ...BOOK, u: 1.5 })],
    ['a missing time', frame({ ...BOOK, E: undefined, T: undefined })],
    ['a symbol that is not the stream’s', frame({ ...BOOK, s: 'ETH_USDC_PERP' })],
    ['another event on the stream', frame({ ...BOOK, e: 'depth' })],
    ['a huge frame', 'x'.repeat(70_000)],
  ])('drops %s as malformed, without throwing', (_case, raw) => {
    expect(parseBackpackFrame(raw, 0)).toMatchObject({ kind: 'malformed', reason: expect.any(String) });
  });
});
