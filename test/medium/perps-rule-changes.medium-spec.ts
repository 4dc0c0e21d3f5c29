import { AccountsService } from '../../src/accounts/accounts.service';
import { parseUsdc } from '../../src/common/money/usdc';
import { liquidationPrice, takerFee } from '../../src/trades/core/perp-math';
import { formatPrice, parsePrice } from '../../src/trades/core/price';
import { TradingService } from '../../src/trades/trading.service';
import { givenUserWithBalance } from './support/given';
import { PerpOrderEntity } from '../../src/trades/perp-order.entity';
import { PERP_ENGINE } from '../../src/trades/venue/perp-engine';
import { refusal } from './support/refusal';
import { BTC, DEFAULT_RULES, givenPerpQuote, InProcessPerpEngine, perpsVenue, tickAt } from './support/given-perps';
import { MediumModule, startMediumModule } from './support/medium-module';

const units = (decimal: string) => parseUsdc(decimal, 'amount', 'any');

/**
 * An admin changes a symbol's fee or maintenance margin (PATCH /api/v1/admin/perps/:symbol): positions already
 * open, and pending orders already placed, keep the terms in force when they were opened or placed.
 */
describe('Perps: rule changes do not reach positions and orders already made (medium)', () => {
  let medium: MediumModule;
  let trading: TradingService;
  const venue = perpsVenue();
  const board = venue.board;
  const rules = () => venue.catalog.markets.get(BTC)!;

  const balance = async (userId: string) => {
    const usdc = (await medium.get(AccountsService).overview(userId)).balances.find((b) => b.asset === 'USDC')!;
    return { available: units(usdc.available), locked: units(usdc.locked) };
  };

  beforeAll(async () => {
    medium = await startMediumModule({ providers: venue.providers }, { STARTING_BALANCE: '0' });
    trading = medium.get(TradingService);
  });
  afterAll(() => medium?.close());
  beforeEach(() => {
    Object.assign(rules(), DEFAULT_RULES);
    givenPerpQuote(board, BTC, '65000', '65010');
  });

  it('a user close charges the taker fee of the open, not the one an admin set since', async () => {
    const alice = await givenUserWithBalance(medium, '200');
    const opened = await trading.open(alice.id, { symbol: BTC, side: 'long', margin: '100', leverage: 10 });
    expect(opened.openFee).toBe('0.500000');
    rules().takerFeeBps = 100;
    givenPerpQuote(board, BTC, '66000', '66010');
    const closed = await trading.close(alice.id, opened.id);
    // pnl = floor(1000 × (66000 − 65010) / 65010) = 15.228426; close fee still 5 bps of 1000
    expect(closed).toMatchObject({ closeFee: '0.500000', payout: '114.728426' });
    expect(await balance(alice.id)).toEqual({ available: units('200') - units('100.5') + units('114.728426'), locked: 0n });
  });

  it('a stop-loss closes at the taker fee of the open, even after the fee was lowered to zero', async () => {
    const bob = await givenUserWithBalance(medium, '100');
    const opened = await trading.open(bob.id, { symbol: BTC, side: 'short', margin: '50', leverage: 4, stopLoss: '66000' });
    rules().takerFeeBps = 0;
    const fired = await tickAt(medium, board, BTC, '66090', '66100');
    expect(fired.closed).toEqual([{ positionId: opened.id, reason: 'stop_loss' }]);
    const detail = await trading.position(bob.id, opened.id);
    expect(detail.closeFee).toBe('0.100000');
    expect(detail.fills[1]).toMatchObject({ kind: 'trigger', fee: '0.100000' });
  });

  it('a position keeps its liquidation price when the maintenance margin is raised later, and is liquidated only past it', async () => {
    const carol = await givenUserWithBalance(medium, '100');
    const opened = await trading.open(carol.id, { symbol: BTC, side: 'long', margin: '50', leverage: 20 });
    rules().maintenanceMarginBps = 400;
    const read = await trading.position(carol.id, opened.id);
    expect(read.liquidationPrice).toBe(opened.liquidationPrice);
    // Above the stored liquidation price, below where 400 bps would put it: not liquidated.
    const above = parsePrice(opened.liquidationPrice) + parsePrice('100');
    expect(liquidationPrice({ side: 'long', margin: units('50'), leverage: 20, entryPrice: parsePrice('65010'), maintenanceMarginBps: 400n })).toBeGreaterThan(above);
    expect((await tickAt(medium, board, BTC, formatPrice(above), formatPrice(above + parsePrice('10')))).closed).toEqual([]);
    await trading.close(carol.id, opened.id);
  });

  it('an order opens its position on the fee and maintenance margin in force when it was placed', async () => {
    const dave = await givenUserWithBalance(medium, '100');
    const order = await trading.placeOrder(dave.id, { symbol: BTC, side: 'long', type: 'limit', price: '64000', margin: '20', leverage: 10 });
    expect(await balance(dave.id)).toEqual({ available: units('100') - units('20.1'), locked: units('20.1') });
    Object.assign(rules(), { takerFeeBps: 50, maintenanceMarginBps: 300 });

    const fired = await tickAt(medium, board, BTC, '63980', '63990');
    expect(fired.filled.map((fill) => fill.orderId)).toEqual([order.id]);
    const position = await trading.position(dave.id, fired.filled[0].positionId);
    const placedTerms = { side: 'long' as const, margin: units('20'), leverage: 10, entryPrice: parsePrice('63990'), maintenanceMarginBps: 50n };
    expect(position).toMatchObject({ openFee: '0.100000', liquidationPrice: formatPrice(liquidationPrice(placedTerms)) });

    givenPerpQuote(board, BTC, '64000', '64010');
    const closed = await trading.close(dave.id, position.id);
    expect(closed.closeFee).toBe('0.100000');
    expect(takerFee(units('200'), 5n)).toBe(units('0.1'));
  });

  it('a symbol removed from PERP_SYMBOLS opens nothing new; its position still closes and triggers, its orders are cancelled by the sweep', async () => {
    const gone = BTC.replace('BTC', 'SOL');
    venue.catalog.markets.set(gone, { ...DEFAULT_RULES });
    const erin = await givenUserWithBalance(medium, '100');
    givenPerpQuote(board, gone, '150', '150.1');
    const kept = await trading.open(erin.id, { symbol: gone, side: 'long', margin: '20', leverage: 5 });
    const stopped = await trading.open(erin.id, { symbol: gone, side: 'short', margin: '10', leverage: 5, stopLoss: '155' });
    const order = await trading.placeOrder(erin.id, { symbol: gone, side: 'long', type: 'limit', price: '140', margin: '10', leverage: 5 });
    venue.catalog.delist(gone, true);

    expect(await refusal(trading.open(erin.id, { symbol: gone, side: 'long', margin: '10', leverage: 5 }))).toMatchObject({ status: 404, error: 'UnknownSymbol' });
    expect(await refusal(trading.placeOrder(erin.id, { symbol: gone, side: 'long', type: 'limit', price: '140', margin: '10', leverage: 5 }))).toMatchObject({ status: 404, error: 'UnknownSymbol' });

    const sweep = await medium.module.get<InProcessPerpEngine>(PERP_ENGINE).submitLocal(gone, { type: 'expire', payload: { now: Date.now() } });
    expect(sweep).toEqual({ ok: true, result: { expired: [], cancelled: [order.id] } });
    expect(await medium.dataSource.manager.findOneByOrFail(PerpOrderEntity, { id: order.id })).toMatchObject({ status: 'cancelled' });
    expect(await balance(erin.id)).toEqual({ available: units('100') - units('30.075'), locked: units('30') });

    expect(await trading.updateTriggers(erin.id, kept.id, { takeProfit: '170' })).toMatchObject({ takeProfit: '170.00000000' });
    const fired = await tickAt(medium, board, gone, '155', '155.1');
    expect(fired).toMatchObject({ closed: [{ positionId: stopped.id, reason: 'stop_loss' }], cancelled: [] });
    expect(await trading.close(erin.id, kept.id)).toMatchObject({ status: 'closed', exitPrice: '155.00000000', closeFee: '0.050000' });
    expect(await balance(erin.id)).toMatchObject({ locked: 0n });
  });

  it('without winding down, what is open on a removed symbol is 409 SymbolNotTraded at once (no leader would answer), and nothing moves', async () => {
    const gone = BTC.replace('BTC', 'ADA');
    venue.catalog.markets.set(gone, { ...DEFAULT_RULES });
    const fay = await givenUserWithBalance(medium, '100');
    givenPerpQuote(board, gone, '0.95', '0.9501');
    const opened = await trading.open(fay.id, { symbol: gone, side: 'long', margin: '20', leverage: 5 });
    const order = await trading.placeOrder(fay.id, { symbol: gone, side: 'long', type: 'limit', price: '0.9', margin: '10', leverage: 5 });
    venue.catalog.delist(gone, false);
    const before = await balance(fay.id);
    const refusals = [
      await refusal(trading.close(fay.id, opened.id)),
      await refusal(trading.close(fay.id, opened.id, 'close-1')),
      await refusal(trading.updateTriggers(fay.id, opened.id, { stopLoss: '0.9' })),
      await refusal(trading.cancelOrder(fay.id, order.id)),
    ];
    expect(refusals.map((refused) => `${refused.status} ${refused.error}`)).toEqual(Array(4).fill('409 SymbolNotTraded'));
    expect(await balance(fay.id)).toEqual(before);
    expect(await trading.position(fay.id, opened.id)).toMatchObject({ status: 'open', markPrice: '0.95005000' });

    // Listed again: it trades as before.
    venue.catalog.markets.set(gone, { ...DEFAULT_RULES });
    expect(await trading.cancelOrder(fay.id, order.id)).toMatchObject({ status: 'cancelled' });
    expect(await trading.close(fay.id, opened.id)).toMatchObject({ status: 'closed' });
  });
});
