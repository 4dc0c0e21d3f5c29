import { PERP_MARKETS_CACHE_MS, PerpMarketsService } from '../../src/trades/perp-markets.service';
import { refusal } from './support/refusal';
import { MediumModule, startMediumModule } from './support/medium-module';

const SYMBOLS = ['BTC_USDC_PERP', 'ETH_USDC_PERP', 'SOL_USDC_PERP', 'ADA_USDC_PERP'];

describe('Perps catalogue: PerpMarketsService against the real database (medium)', () => {
  let medium: MediumModule;
  let perpMarkets: PerpMarketsService;

  const resetCatalogue = async () => {
    await medium.dataSource.query(`DELETE FROM perp_markets`);
    await perpMarkets.seed();
  };

  beforeAll(async () => {
    medium = await startMediumModule({ providers: [PerpMarketsService] }, { PERP_SYMBOLS: SYMBOLS.join(','), MAX_LEVERAGE: '100', TAKER_FEE_BPS: '5', MAINTENANCE_MARGIN_BPS: '50', MIN_MARGIN: '1' });
    perpMarkets = medium.get(PerpMarketsService);
  });
  afterAll(() => medium?.close());
  beforeEach(() => resetCatalogue());

  it('seeds PERP_SYMBOLS at boot with the environment defaults', async () => {
    const markets = await perpMarkets.list();
    expect(markets.map((market) => market.symbol)).toEqual([...SYMBOLS].sort());
    expect(await perpMarkets.get('BTC_USDC_PERP')).toMatchObject({ maxLeverage: 100, takerFeeBps: 5, maintenanceMarginBps: 50, minMargin: 1_000_000n, halted: false });
  });

  it('an unknown symbol is a 404 UnknownSymbol', async () => {
    expect(await refusal(perpMarkets.get('DOGE_USDC_PERP'))).toEqual({ status: 404, error: 'UnknownSymbol', message: 'Unknown perp symbol DOGE_USDC_PERP' });
    expect(await refusal(perpMarkets.update('DOGE_USDC_PERP', { halted: true }))).toMatchObject({ status: 404, error: 'UnknownSymbol' });
  });

  it('an admin change is stored, read back at once on this instance, and survives a re-seed', async () => {
    await perpMarkets.get('ETH_USDC_PERP'); // warm the cache so the change has to drop it
    const changed = await perpMarkets.update('ETH_USDC_PERP', { maxLeverage: 20, minMargin: '10.5', halted: true });
    expect(changed).toMatchObject({ symbol: 'ETH_USDC_PERP', maxLeverage: 20, takerFeeBps: 5, minMargin: 10_500_000n, halted: true });
    expect(await perpMarkets.get('ETH_USDC_PERP')).toMatchObject({ maxLeverage: 20, minMargin: 10_500_000n, halted: true });

    await perpMarkets.seed();
    expect(await perpMarkets.get('ETH_USDC_PERP')).toMatchObject({ maxLeverage: 20, halted: true });
    const [row] = await medium.dataSource.query(`SELECT min_margin, halted FROM perp_markets WHERE symbol = 'ETH_USDC_PERP'`);
    expect(row).toEqual({ min_margin: '10500000', halted: true });
  });

  it('a change made elsewhere reaches this instance within the cache TTL', async () => {
    expect((await perpMarkets.get('SOL_USDC_PERP')).takerFeeBps).toBe(5);
    await medium.dataSource.query(`UPDATE perp_markets SET taker_fee_bps = 7 WHERE symbol = 'SOL_USDC_PERP'`);
    expect((await perpMarkets.get('SOL_USDC_PERP')).takerFeeBps).toBe(5); // still the cached copy
    await new Promise((resolve) => setTimeout(resolve, PERP_MARKETS_CACHE_MS + 50));
    expect((await perpMarkets.get('SOL_USDC_PERP')).takerFeeBps).toBe(7);
  });

  it('refuses null, a bad minMargin, and a leverage × maintenance that would open positions liquidated (400s)', async () => {
    expect(await refusal(perpMarkets.update('BTC_USDC_PERP', { maxLeverage: null as unknown as number }))).toEqual({
      status: 400,
      error: 'ValidationFailed',
      message: 'maxLeverage must not be null (leave it out instead)',
    });
    expect(await refusal(perpMarkets.update('BTC_USDC_PERP', { minMargin: '0.0000001' }))).toEqual({
      status: 400,
      error: 'ValidationFailed',
      message: 'minMargin must have at most 6 decimal places',
    });
    expect(await refusal(perpMarkets.update('BTC_USDC_PERP', { maxLeverage: 200 }))).toMatchObject({ status: 400, error: 'ValidationFailed', message: expect.stringContaining('would open liquidated') });
    expect(await perpMarkets.get('BTC_USDC_PERP')).toMatchObject({ maxLeverage: 100 });
  });

  it('boot seeding on two instances at once creates each symbol once', async () => {
    await medium.dataSource.query(`DELETE FROM perp_markets`);
    await Promise.all([perpMarkets.seed(), perpMarkets.seed(['BTC_USDC_PERP', 'XRP_USDC_PERP'])]);
    const [{ count }] = await medium.dataSource.query(`SELECT count(*)::int AS count FROM perp_markets`);
    expect(count).toBe(5);
  });
});
