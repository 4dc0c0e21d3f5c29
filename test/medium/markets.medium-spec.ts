import { AccountsService } from '../../src/accounts/accounts.service';
import { LedgerService, SystemAccount } from '../../src/accounts/ledger.service';
import { MarketEvent } from '../../src/markets/markets.events';
import { parseUsdc } from '../../src/common/money/usdc';
import { MarketQueriesService } from '../../src/markets/market-queries.service';
import { MarketTradingService } from '../../src/markets/market-trading.service';
import { givenUserWithBalance } from './support/given';
import { refusal } from './support/refusal';
import { givenMarket, MARKETS_VENUE } from './support/given-market';
import { MediumModule, startMediumModule } from './support/medium-module';

const units = (decimal: string) => parseUsdc(decimal, 'amount', 'any');

describe('Markets: the trading rules of MarketTradingService against the real database (medium)', () => {
  let medium: MediumModule;
  let trading: MarketTradingService;

  const available = async (userId: string) => units((await medium.get(AccountsService).overview(userId)).balances.find((b) => b.asset === 'USDC')!.available);
  const system = (account: { system: string }) => medium.dataSource.transaction((manager) => medium.get(LedgerService).systemBalance(manager, account));

  beforeAll(async () => {
    medium = await startMediumModule(MARKETS_VENUE, { STARTING_BALANCE: '0' });
    trading = medium.get(MarketTradingService);
  });
  afterAll(() => medium?.close());

  it('fills a buy and a sell exactly as quoted; the buyer, the pool and the fees account move by the fill', async () => {
    const market = await givenMarket(medium, { subsidy: '100' });
    const alice = await givenUserWithBalance(medium, '100');
    const feesBefore = await system(SystemAccount.fees);
    const pool = { system: `market-pool:${market.id}` };
    medium.events.clear();

    const buyQuote = await trading.quote(market.id, { outcome: 'Yes', side: 'buy', amount: '10' });
    const bought = await trading.buy(alice.id, market.id, { outcome: 'Yes', amount: '10' });
    expect(bought).toEqual({ tradeId: expect.any(String), ...buyQuote });
    expect(units(bought.shares)).toBeGreaterThan(units('10'));

    const sellQuote = await trading.quote(market.id, { outcome: 'Yes', side: 'sell', shares: '4' }, alice.id);
    const sold = await trading.sell(alice.id, market.id, { outcome: 'Yes', shares: '4' });
    expect(sold).toEqual({ tradeId: expect.any(String), ...sellQuote });

    expect(await available(alice.id)).toBe(units('100') - units('10') + units(sold.amount));
    expect(await system(SystemAccount.fees)).toBe(feesBefore + units(bought.fee) + units(sold.fee));
    expect(await system(pool)).toBe(units('100') + units('10') - units(bought.fee) - units(sold.amount) - units(sold.fee));
    const traded = medium.events.named<{ tradeId: string; side: string }>(MarketEvent.Traded);
    expect(traded.map((event) => [event.tradeId, event.side])).toEqual([
      [bought.tradeId, 'buy'],
      [sold.tradeId, 'sell'],
    ]);
    expect((await medium.get(MarketQueriesService).poolCheck()).ok).toBe(true);
  });

  it('refuses bad trades with the rule that applies, and moves nothing and emits nothing', async () => {
    const market = await givenMarket(medium);
    const [alice, bob] = [await givenUserWithBalance(medium, '50'), await givenUserWithBalance(medium, '50')];
    await trading.buy(alice.id, market.id, { outcome: 'Yes', amount: '10' });
    const aliceBefore = await available(alice.id);
    const tradesBefore = (await medium.get(MarketQueriesService).trades(market.id, { page: 1, limit: 1 })).meta.total;
    medium.events.clear();

    const refusals = [
      await refusal(trading.buy(alice.id, market.id, { outcome: 'Yes', amount: '1', minShares: '1000' })),
      await refusal(trading.sell(alice.id, market.id, { outcome: 'Yes', shares: '1', minProceeds: '5' })),
      await refusal(trading.buy(alice.id, market.id, { outcome: 'Maybe', amount: '1' })),
      await refusal(trading.buy(alice.id, market.id, { outcome: 2, amount: '1' })),
      await refusal(trading.sell(bob.id, market.id, { outcome: 'Yes', shares: '1' })),
      await refusal(trading.sell(alice.id, market.id, { outcome: 'Yes', shares: '100000' })),
      await refusal(trading.buy(alice.id, market.id, { outcome: 'Yes', amount: '5000' })),
      await refusal(trading.buy(alice.id, market.id, { outcome: 'Yes', amount: '1'.repeat(40) })),
    ];

    expect(refusals.map((refused) => `${refused.status} ${refused.error}`)).toEqual([
      '422 PriceMovedBeyondSlippage',
      '422 PriceMovedBeyondSlippage',
      '400 UnknownOutcome',
      '400 UnknownOutcome',
      '422 InsufficientShares',
      '422 InsufficientShares',
      '422 InsufficientFunds',
      '422 TradeTooLarge',
    ]);
    // Messages and details speak the API's decimal strings, never minor units.
    expect(refusals[0].message).toMatch(/^1\.000000 USDC would buy \d+\.\d{6} shares, fewer than minShares 1000\.000000$/);
    expect(refusals[5].message).toMatch(/^Cannot sell 100000\.000000 shares of outcome 0: only \d+\.\d{6} are outstanding$/);
    expect(await available(alice.id)).toBe(aliceBefore);
    expect((await medium.get(MarketQueriesService).trades(market.id, { page: 1, limit: 1 })).meta.total).toBe(tradesBefore);
    expect(medium.events.names()).toEqual([]);
  });

  it('prices a sell quote for anyone, and checks the holdings of a signed-in caller as the sell would', async () => {
    const market = await givenMarket(medium, { outcomes: ['Red', 'Green', 'Blue'] });
    const [carol, dan] = [await givenUserWithBalance(medium, '20'), await givenUserWithBalance(medium, '20')];
    const held = await trading.buy(carol.id, market.id, { outcome: 'Blue', amount: '5' });

    expect(await trading.quote(market.id, { outcome: 'Blue', side: 'sell', shares: '1' })).toMatchObject({ side: 'sell', shares: '1.000000' });
    expect(await refusal(trading.quote(market.id, { outcome: 'Blue', side: 'sell', shares: '1' }, dan.id))).toMatchObject({ status: 422, error: 'InsufficientShares' });
    expect(await trading.quote(market.id, { outcome: 'Blue', side: 'sell', shares: held.shares }, carol.id)).toMatchObject({ shares: held.shares });
    expect(await refusal(trading.quote(market.id, { outcome: 'Blue', side: 'buy' }))).toMatchObject({ status: 400 });
  });
});
