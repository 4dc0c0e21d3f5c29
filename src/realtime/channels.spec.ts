import { CHANNEL_ERRORS, channelPattern, isPrivateRoom, parseChannel } from './channels';

describe('parseChannel', () => {
  it.each([
    ['rounds', { kind: 'rounds' }],
    ['markets', { kind: 'markets' }],
    ['round:42', { kind: 'round', roundId: '42' }],
    ['market:6f1c0c5e-8d0b-4b53-9a55-0f3f1f0d9a10', { kind: 'market', marketId: '6f1c0c5e-8d0b-4b53-9a55-0f3f1f0d9a10' }],
    ['ticker:BTC_USDC_PERP', { kind: 'ticker', symbol: 'BTC_USDC_PERP' }],
    ['book:m-1:YES', { kind: 'book', marketId: 'm-1', outcome: 'YES' }],
    ['book:m-1:0', { kind: 'book', marketId: 'm-1', outcome: '0' }],
    ['creator:6f1c0c5e-8d0b-4b53-9a55-0f3f1f0d9a10', { kind: 'creator', creatorId: '6f1c0c5e-8d0b-4b53-9a55-0f3f1f0d9a10' }],
  ])('accepts %s', (name, expected) => {
    expect(parseChannel(name)).toEqual({ ok: true, channel: { name, ...expected } });
  });

  it.each(['user:123', 'user:', 'session:abc', 'user:123:x'])('refuses the private room %s', (name) => {
    expect(parseChannel(name)).toEqual({ ok: false, error: CHANNEL_ERRORS.private, message: expect.stringContaining('joined by the server') });
  });

  it.each(['orders', 'round', 'round:1:2', 'book:m-1', 'ticker:a:b', 'chat:1'])('refuses the unknown channel %s', (name) => {
    expect(parseChannel(name)).toEqual({ ok: false, error: CHANNEL_ERRORS.unknown, message: expect.any(String) });
  });

  it.each([undefined, null, 42, {}, '', 'round:', 'round::1', 'round:a b', 'round:-x', 'ticker:' + 'x'.repeat(65), 'x'.repeat(200), ':rounds', 'rounds:', 'Rounds'])(
    'refuses the malformed name %p',
    (name) => {
      expect(parseChannel(name)).toEqual({ ok: false, error: CHANNEL_ERRORS.malformed, message: expect.stringContaining('channel must be') });
    },
  );
});

describe('refusal messages', () => {
  it('name the channel kinds, or the shape of the kind that was meant', () => {
    expect(parseChannel('chat:1')).toMatchObject({ message: expect.stringContaining('rounds, round:<roundId>, markets, market:<marketId>') });
    expect(parseChannel('round:1:2')).toMatchObject({ message: 'round channels are named round:<roundId>' });
    expect(parseChannel('book:m-1')).toMatchObject({ message: 'book channels are named book:<marketId>:<outcome>' });
  });

  it('spell each kind as its names look', () => {
    expect(channelPattern('rounds')).toBe('rounds');
    expect(channelPattern('ticker')).toBe('ticker:<symbol>');
  });

  it('do not take inherited object keys for kinds', () => {
    expect(parseChannel('constructor')).toMatchObject({ ok: false, error: CHANNEL_ERRORS.unknown });
    expect(parseChannel('tostring:1')).toMatchObject({ ok: false, error: CHANNEL_ERRORS.unknown });
  });
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
