import type { CommandOutcome, LeadershipListener, LocalCommand } from '../../engine/venue';
import type { PriceQuote } from '../feed/price-quote';
import type { TickPayload } from './perp-commands';
import type { PerpEngine } from './perp-engine';
import { PerpTriggerDriver } from './perp-trigger-driver';
import type { PerpPriceBoard } from './perp-venue-deps';

function quoteOf(symbol: string, bid: string, updateId: number): PriceQuote {
  return { symbol, bid, ask: bid, bidSize: '1', askSize: '1', updateId, exchangeTime: 0, receivedAt: 0 };
}

function harness(leading = true) {
  const submitted: { symbol: string; command: LocalCommand }[] = [];
  const pending: (() => void)[] = [];
  let listener: LeadershipListener = () => undefined;
  let quoteListener: (quote: PriceQuote) => void = () => undefined;
  const latest = new Map<string, PriceQuote>();
  const engine: PerpEngine = {
    submit: () => Promise.reject(new Error('not used')),
    submitLocal: (symbol, command) => {
      if (!leading) return false;
      submitted.push({ symbol, command });
      return new Promise<CommandOutcome>((resolve) => pending.push(() => resolve({ ok: true, result: {} })));
    },
    isLeader: () => leading,
    onLeadership: (registered) => {
      listener = registered;
    },
  };
  const board: PerpPriceBoard = {
    latest: (symbol) => latest.get(symbol) ?? null,
    isStale: () => false,
    isKnown: () => true,
    staleMs: 5000,
    onQuote: (registered) => {
      quoteListener = registered;
      return () => undefined;
    },
  };
  const driver = new PerpTriggerDriver(engine, board);
  driver.onModuleInit();
  const flush = async () => {
    while (pending.length > 0) {
      pending.shift()!();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { driver, submitted, flush, quote: (q: PriceQuote) => quoteListener(q), lead: (symbol: string) => listener({ venue: 'perps', shard: symbol, leading: true }), latest };
}

describe('PerpTriggerDriver', () => {
  it('submits one tick per quote, and while one is in the engine only the newest quote of a symbol waits', async () => {
    const { driver, submitted, flush, quote } = harness();
    quote(quoteOf('BTC', '1', 1));
    quote(quoteOf('BTC', '2', 2));
    quote(quoteOf('BTC', '3', 3));
    quote(quoteOf('ETH', '7', 1));
    await flush();
    expect(submitted.map(({ symbol, command }) => `${symbol}:${(command.payload as TickPayload).bid}`)).toEqual(['BTC:1', 'ETH:7', 'BTC:3']);
    expect(submitted.every(({ command }) => command.type === 'tick' && command.id === undefined)).toBe(true);
    driver.onModuleDestroy();
  });

  it('ticks the latest quote at once when it takes over a shard, and submits nothing where it does not lead', async () => {
    const led = harness();
    led.latest.set('BTC', quoteOf('BTC', '5', 9));
    led.lead('BTC');
    await led.flush();
    expect(led.submitted.map(({ command }) => (command.payload as TickPayload).bid)).toEqual(['5']);
    led.driver.onModuleDestroy();

    const follower = harness(false);
    follower.quote(quoteOf('BTC', '1', 1));
    await follower.flush();
    expect(follower.submitted).toEqual([]);
    follower.driver.onModuleDestroy();
  });
});
