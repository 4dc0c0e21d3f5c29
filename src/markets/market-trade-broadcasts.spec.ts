import { RequestContext } from '../common/request-context';
import { MarketTradeBroadcasts } from './market-trade-broadcasts';
import type { MarketTradedEvent } from './markets.events';

function traded(marketId: string, tradeId: string, volume: string): MarketTradedEvent {
  return {
    marketId,
    status: 'OPEN',
    prices: ['0.500000', '0.500000'],
    volume,
    resolvedOutcome: null,
    tradeId,
    userId: `user-of-${tradeId}`,
    side: 'buy',
    outcome: 0,
    shares: '1.000000',
    amount: '1.000000',
    fee: '0.010000',
    averagePrice: '0.500000',
    at: '2026-01-01T00:00:00.000Z',
  };
}

function recorder() {
  const sent: { event: string; marketId: string; body: Record<string, unknown>; requestId?: string }[] = [];
  const sink = {
    marketUpdate: (marketId: string, state: object) => sent.push({ event: 'update', marketId, body: { ...state }, requestId: RequestContext.requestId() }),
    marketTrade: (marketId: string, trade: object) => sent.push({ event: 'trade', marketId, body: { ...trade }, requestId: RequestContext.requestId() }),
  };
  return { sent, broadcasts: new MarketTradeBroadcasts(sink) };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('MarketTradeBroadcasts', () => {
  it('sends the trades of one turn as one market:update (the state after the last) and then each trade in order, each naming its request', async () => {
    const { sent, broadcasts } = recorder();
    RequestContext.run({ requestId: 'r1' }, () => broadcasts.add(traded('m1', 't1', '1.000000')));
    RequestContext.run({ requestId: 'r2' }, () => broadcasts.add(traded('m2', 't2', '5.000000')));
    RequestContext.run({ requestId: 'r3' }, () => broadcasts.add(traded('m1', 't3', '2.000000')));
    broadcasts.add(traded('m1', 't4', '3.000000'));
    expect(sent).toEqual([]);
    await turn();
    expect(sent.map(({ event, marketId, requestId }) => [event, marketId, requestId])).toEqual([
      ['update', 'm1', undefined],
      ['trade', 'm1', 'r1'],
      ['trade', 'm1', 'r3'],
      ['trade', 'm1', undefined],
      ['update', 'm2', 'r2'],
      ['trade', 'm2', 'r2'],
    ]);
    expect(sent[0].body).toEqual({ marketId: 'm1', status: 'OPEN', prices: ['0.500000', '0.500000'], volume: '3.000000', resolvedOutcome: null });
    expect(sent[1].body).toMatchObject({ tradeId: 't1', volume: '1.000000' });
    expect(sent[1].body).not.toHaveProperty('userId');
  });

  it('sends a lone trade as its update then its trade, and a flush before a later state sends what waits at once', async () => {
    const { sent, broadcasts } = recorder();
    RequestContext.run({ requestId: 'r1' }, () => broadcasts.add(traded('m1', 't1', '1.000000')));
    broadcasts.flush('m1');
    expect(sent.map(({ event, requestId }) => [event, requestId])).toEqual([
      ['update', 'r1'],
      ['trade', 'r1'],
    ]);
    await turn();
    expect(sent).toHaveLength(2);
  });
});
