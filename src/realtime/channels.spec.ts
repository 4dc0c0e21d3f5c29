import { CHANNEL_ERRORS, isPrivateRoom, parseChannel } from './channels';

describe('parseChannel', () => {
  it.each([
    ['rounds', { kind: 'rounds' }],
    ['markets', { kind: 'markets' }],
    ['round:42', { kind: 'round', roundId: '42' }],
    ['market:6f1c0c5e-8d0b-4b53-9a55-0f3f1f0d9a10', { kind: 'market', marketId: '6f1c0c5e-8d0b-4b53-9a55-0f3f1f0d9a10' }],
    ['ticker:BTC_USDC_PERP', { kind: 'ticker', symbol: 'BTC_USDC_PERP' }],
    ['book:m-1:YES', { kind: 'book', marketId: 'm-1', outcome: 'YES' }],
    ['book:m-1:0', { kind: 'book', marketId: 'm-1', outcome: '0' }],
  ])('accepts %s', (name, expected) => {
    expect(parseChannel(name)).toEqual({ ok: true, channel: { name, ...expected } });
  });

  it.each(['user:123', 'user:', 'session:abc', 'user:123:x'])('refuses the private room %s', (name) => {
    expect(parseChannel(name)).toEqual({ ok: false, error: CHANNEL_ERRORS.private });
  });

  it.each(['orders', 'round', 'round:1:2', 'book:m-1', 'ticker:a:b', 'chat:1'])('refuses the unknown channel %s', (name) => {
    expect(parseChannel(name)).toEqual({ ok: false, error: CHANNEL_ERRORS.unknown });
  });

  it.each([undefined, null, 42, {}, '', 'round:', 'round::1', 'round:a b', 'round:-x', 'ticker:' + 'x'.repeat(65), 'x'.repeat(200), ':rounds', 'rounds:', 'Rounds'])(
    'refuses the malformed name %p',
    (name) => {
      expect(parseChannel(name)).toEqual({ ok: false, error: CHANNEL_ERRORS.malformed });
    },
  );
});

describe('isPrivateRoom', () => {
  it('tells server-only rooms from public channels', () => {
    expect(isPrivateRoom('user:1')).toBe(true);
    expect(isPrivateRoom('session:s')).toBe(true);
    expect(isPrivateRoom('round:1')).toBe(false);
    expect(isPrivateRoom('rounds')).toBe(false);
    expect(isPrivateRoom('aB3xYz0123456789abcd')).toBe(false);
  });
});
