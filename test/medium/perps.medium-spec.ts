import { randomUUID } from 'node:crypto';
import { In } from 'typeorm';
import { AccountsService } from '../../src/accounts/accounts.service';
import { LedgerService, SystemAccount } from '../../src/accounts/ledger.service';
import { parseUsdc } from '../../src/common/money/usdc';
import { UserUpdateEvent } from '../../src/realtime/realtime.events';
import { liquidationPrice } from '../../src/trades/core/perp-math';
import { formatPrice, parsePrice } from '../../src/trades/core/price';
import { PerpFillEntity } from '../../src/trades/perp-fill.entity';
import { PerpOrderEntity } from '../../src/trades/perp-order.entity';
import { PerpPositionEntity } from '../../src/trades/perp-position.entity';
import { TradesEvent, type PerpOrderUpdate, type PerpPositionTriggeredEvent, type PerpPositionUpdate } from '../../src/trades/trades.events';
import { commandIdOf, TradingService } from '../../src/trades/trading.service';
import type { EngineCommand } from '../../src/engine/venue';
import { PerpCommandType, type OpenPayload } from '../../src/trades/venue/perp-commands';
import { PERP_ENGINE } from '../../src/trades/venue/perp-engine';
import { PerpVenue } from '../../src/trades/venue/perp-venue';
import { givenUserWithBalance } from './support/given';
import { BTC, ETH, givenPerpQuote, InProcessPerpEngine, perpsVenue, tickAt } from './support/given-perps';
import { MediumModule, startMediumModule } from './support/medium-module';
import { PerpStatsQueries } from '../../src/trades/perp-stats.queries';
import { refusal } from './support/refusal';

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
const units = (decimal: string) => parseUsdc(decimal, 'amount', 'any');

describe('Perps: the venue rules of PerpVenue.applyBatch through TradingService against the real database (medium)', () => {
  let medium: MediumModule;
  let trading: TradingService;
  const venue = perpsVenue();
  const board = venue.board;

  const balance = async (userId: string) => {
    const usdc = (await medium.get(AccountsService).overview(userId)).balances.find((b) => b.asset === 'USDC')!;
    return { available: units(usdc.available), locked: units(usdc.locked) };
  };
  const system = (account: { system: string }) => medium.dataSource.transaction((manager) => medium.get(LedgerService).systemBalance(manager, account));
  const houseAndFees = async () => ({ house: await system(SystemAccount.house), fees: await system(SystemAccount.fees) });
  const rowsOf = async (userId: string) => ({
    positions: await medium.dataSource.manager.count(PerpPositionEntity, { where: { userId } }),
    orders: await medium.dataSource.manager.count(PerpOrderEntity, { where: { userId } }),
  });
  const engine = () => medium.module.get<InProcessPerpEngine>(PERP_ENGINE);

  beforeAll(async () => {
    medium = await startMediumModule({ providers: [...venue.providers, PerpStatsQueries] }, { STARTING_BALANCE: '0' });
    trading = medium.get(TradingService);
  });
  afterAll(() => medium?.close());
  beforeEach(() => {
    venue.catalog.markets.get(BTC)!.halted = false;
    givenPerpQuote(board, BTC, '65000', '65010');
    medium.events.clear();
  });

  it('opens a long at the ask: margin locked, fee to fees, liquidation price shown; closes at the bid with the profit paid by the house', async () => {
    const alice = await givenUserWithBalance(medium, '200');
    const before = await houseAndFees();
    const volumeBefore = venue.volume.bySymbol.get(BTC) ?? 0n;
    medium.events.clear();
    const opened = await trading.open(alice.id, { symbol: BTC, side: 'long', margin: '100', leverage: 10 });
    expect(opened).toMatchObject({
      status: 'open',
      side: 'long',
      entryPrice: '65010.00000000',
      notional: '1000.000000',
      openFee: '0.500000',
      // The mark is the mid; unrealized P&L is what closing now would realise (a long sells at the bid): floor(1000 × (65000 − 65010) / 65010)
      markPrice: '65005.00000000',
      unrealizedPnl: '-0.153823',
      closeReason: null,
    });
    const expectedLiquidation = liquidationPrice({ side: 'long', margin: units('100'), leverage: 10, entryPrice: parsePrice('65010'), maintenanceMarginBps: 50n });
    expect(opened.liquidationPrice).toBe(formatPrice(expectedLiquidation));
    expect(await balance(alice.id)).toEqual({ available: units('99.5'), locked: units('100') });

    givenPerpQuote(board, BTC, '66000', '66010');
    const closed = await trading.close(alice.id, opened.id);
    // pnl = floor(1000 × (66000 − 65010) / 65010) = 15.228426; payout = 100 + 15.228426 − 0.5
    expect(closed).toMatchObject({ status: 'closed', exitPrice: '66000.00000000', realizedPnl: '15.228426', closeFee: '0.500000', payout: '114.728426', closeReason: 'user' });
    expect(await balance(alice.id)).toEqual({ available: units('99.5') + units('114.728426'), locked: 0n });
    const after = await houseAndFees();
    expect(after.fees - before.fees).toBe(units('1'));
    expect(after.house - before.house).toBe(-units('15.228426'));
    expect((venue.volume.bySymbol.get(BTC) ?? 0n) - volumeBefore).toBe(units('2000'));

    const detail = await trading.position(alice.id, opened.id);
    expect(detail.fills.map((fill) => [fill.kind, fill.reason, fill.price, fill.fee])).toEqual([
      ['open', null, '65010.00000000', '0.500000'],
      ['close', 'user', '66000.00000000', '0.500000'],
    ]);
    const updates = medium.events.named<{ userId: string; position: PerpPositionUpdate }>(UserUpdateEvent.PositionUpdated);
    expect(updates.map((update) => [update.userId, update.position.kind, update.position.status])).toEqual([
      [alice.id, 'perp-position', 'open'],
      [alice.id, 'perp-position', 'closed'],
    ]);
    expect(medium.events.named('balance.changed').length).toBe(2);
  });

  it('marks open positions at the mid in lists and reads, with unrealized P&L at their exit side; the house’s exposure is at the mid', async () => {
    const mia = await givenUserWithBalance(medium, '100');
    givenPerpQuote(board, ETH, '3000', '3001');
    const long = await trading.open(mia.id, { symbol: ETH, side: 'long', margin: '10', leverage: 10 });
    const short = await trading.open(mia.id, { symbol: ETH, side: 'short', margin: '10', leverage: 5 });
    givenPerpQuote(board, ETH, '3010', '3012');
    const listed = await trading.positions(mia.id, { status: 'open', symbol: ETH, page: 1, limit: 10 });
    // Entered at 3001 (ask) and 3000 (bid). Long 100 × (3010 − 3001) / 3001 = 0.299900; short 50 × (3000 − 3012) / 3000 = −0.2
    expect(Object.fromEntries(listed.data.map((row) => [row.side, [row.markPrice, row.unrealizedPnl]]))).toEqual({
      long: ['3011.00000000', '0.299900'],
      short: ['3011.00000000', '-0.200000'],
    });
    expect(await trading.position(mia.id, short.id)).toMatchObject({ markPrice: '3011.00000000', unrealizedPnl: '-0.200000' });
    const exposure = (await trading.exposure()).symbols.find((row) => row.symbol === ETH)!;
    // At the mid 3011: long floor(100 × 10 / 3001) = 0.333222, short floor(50 × −11 / 3000) = −0.183334; the house takes the other side
    expect(exposure).toMatchObject({ markPrice: '3011.00000000', openPositions: 2, openInterestLong: '100.000000', openInterestShort: '50.000000', houseNetExposure: '-0.149888' });
    await trading.close(mia.id, long.id);
    await trading.close(mia.id, short.id);
  });

  it('opens a short at the bid; a loss on close goes to the house, and a loss beyond the margin pays back nothing', async () => {
    const bob = await givenUserWithBalance(medium, '100');
    const before = await houseAndFees();
    const short = await trading.open(bob.id, { symbol: BTC, side: 'short', margin: '10', leverage: 2 });
    expect(short.entryPrice).toBe('65000.00000000');
    givenPerpQuote(board, BTC, '65990', '66000');
    const closed = await trading.close(bob.id, short.id);
    // pnl = floor(20 × (65000 − 66000) / 65000) = −0.307693 (floored against the user)
    expect(closed).toMatchObject({ exitPrice: '66000.00000000', realizedPnl: '-0.307693', closeFee: '0.010000', payout: '9.682307' });
    const after = await houseAndFees();
    expect(after.house - before.house).toBe(units('0.307693'));
    expect(await balance(bob.id)).toEqual({ available: units('100') - units('0.01') - units('10') + units('9.682307'), locked: 0n });
  });

  it('refuses what the rules refuse, and nothing moves: no rows, no postings, no events', async () => {
    const carol = await givenUserWithBalance(medium, '50');
    const dave = await givenUserWithBalance(medium, '50');
    const theirs = await trading.open(dave.id, { symbol: BTC, side: 'long', margin: '10', leverage: 5 });
    const closedOne = await trading.open(dave.id, { symbol: BTC, side: 'long', margin: '10', leverage: 5 });
    await trading.close(dave.id, closedOne.id);
    const before = await balance(carol.id);
    medium.events.clear();

    const refusals = [
      await refusal(trading.open(carol.id, { symbol: 'DOGE_USDC_PERP', side: 'long', margin: '10', leverage: 5 })),
      await refusal(trading.open(carol.id, { symbol: BTC, side: 'long', margin: '10', leverage: 51 })),
      await refusal(trading.open(carol.id, { symbol: BTC, side: 'long', margin: '0.5', leverage: 5 })),
      await refusal(trading.open(carol.id, { symbol: BTC, side: 'long', margin: '10', leverage: 5, stopLoss: '65500' })),
      await refusal(trading.open(carol.id, { symbol: BTC, side: 'long', margin: '10', leverage: 5, takeProfit: '64000' })),
      await refusal(trading.open(carol.id, { symbol: BTC, side: 'short', margin: '10', leverage: 5, stopLoss: '64000' })),
      await refusal(trading.open(carol.id, { symbol: BTC, side: 'long', margin: '50', leverage: 5 })),
      await refusal(trading.open(carol.id, { symbol: BTC, side: 'long', margin: '10', leverage: 5, quotedPrice: '64600' })),
      await refusal(trading.close(carol.id, theirs.id)),
      await refusal(trading.close(carol.id, UNKNOWN_ID)),
      await refusal(trading.close(dave.id, closedOne.id)),
      await refusal(trading.updateTriggers(carol.id, theirs.id, { stopLoss: '60000' })),
      await refusal(trading.updateTriggers(dave.id, theirs.id, { stopLoss: '66000' })),
      await refusal(trading.placeOrder(carol.id, { symbol: BTC, side: 'long', type: 'limit', price: '64000', margin: '10', leverage: 5, expiresAt: new Date(Date.now() - 1000).toISOString() })),
      await refusal(trading.cancelOrder(carol.id, UNKNOWN_ID)),
    ];
    venue.catalog.markets.get(BTC)!.halted = true;
    refusals.push(await refusal(trading.open(carol.id, { symbol: BTC, side: 'long', margin: '10', leverage: 5 })));
    venue.catalog.markets.get(BTC)!.halted = false;
    board.goStale(BTC);
    refusals.push(await refusal(trading.open(carol.id, { symbol: BTC, side: 'long', margin: '10', leverage: 5 })));

    expect(refusals.map((refused) => `${refused.status} ${refused.error}`)).toEqual([
      '404 UnknownSymbol',
      '422 LeverageOutOfRange',
      '422 MarginBelowMinimum',
      '422 InvalidTrigger',
      '422 InvalidTrigger',
      '422 InvalidTrigger',
      '422 InsufficientFunds',
      '422 PriceMovedBeyondSlippage',
      '404 PositionNotFound',
      '404 PositionNotFound',
      '409 PositionClosed',
      '404 PositionNotFound',
      '422 InvalidTrigger',
      '422 ExpiryInPast',
      '404 OrderNotFound',
      '409 SymbolHalted',
      '503 PriceFeedStale',
    ]);
    expect(await balance(carol.id)).toEqual(before);
    expect(await rowsOf(carol.id)).toEqual({ positions: 0, orders: 0 });
    expect(medium.events.names()).toEqual([]);
    givenPerpQuote(board, BTC, '65000', '65010');
    await trading.close(dave.id, theirs.id);
  });

  it('fills within slippage of the quoted price, and the fill records how far it was', async () => {
    const erin = await givenUserWithBalance(medium, '50');
    const opened = await trading.open(erin.id, { symbol: BTC, side: 'long', margin: '10', leverage: 5, quotedPrice: '64800', slippageBps: 50 });
    const detail = await trading.position(erin.id, opened.id);
    expect(detail.fills[0]).toMatchObject({ kind: 'open', price: '65010.00000000', referencePrice: '64800.00000000', slippage: '210.00000000' });
    await trading.close(erin.id, opened.id);
  });

  it('fires a stop-loss on the tick that crosses it, at that tick’s bid (a gap through the stop is slippage on the fill), once', async () => {
    const frank = await givenUserWithBalance(medium, '100');
    const before = await houseAndFees();
    const opened = await trading.open(frank.id, { symbol: BTC, side: 'long', margin: '50', leverage: 5, stopLoss: '64000' });
    expect((await tickAt(medium, board, BTC, '64100', '64110')).closed).toEqual([]);
    medium.events.clear();

    const fired = await tickAt(medium, board, BTC, '63800', '63810');
    expect(fired.closed).toEqual([{ positionId: opened.id, reason: 'stop_loss' }]);
    expect((await tickAt(medium, board, BTC, '63700', '63710')).closed).toEqual([]);

    const detail = await trading.position(frank.id, opened.id);
    // pnl = floor(250 × (63800 − 65010) / 65010) = −4.653131
    expect(detail).toMatchObject({ status: 'closed', closeReason: 'stop_loss', exitPrice: '63800.00000000', realizedPnl: '-4.653131', closeFee: '0.125000', payout: '45.221869' });
    expect(detail.fills[1]).toMatchObject({ kind: 'trigger', reason: 'stop_loss', price: '63800.00000000', referencePrice: '64000.00000000', slippage: '200.00000000' });
    const notes = medium.events.named<PerpPositionTriggeredEvent>(TradesEvent.PositionTriggered);
    expect(notes.map((note) => [note.userId, note.reason, note.price])).toEqual([[frank.id, 'stop_loss', '63800.00000000']]);
    const after = await houseAndFees();
    expect(after.fees - before.fees).toBe(units('0.125') * 2n);
    expect(after.house - before.house).toBe(units('4.653131'));
  });

  it('answers a tick that fires nothing without a transaction; the tick that crosses a stop goes through a batch and fires once', async () => {
    const mona = await givenUserWithBalance(medium, '100');
    const opened = await trading.open(mona.id, { symbol: BTC, side: 'long', margin: '10', leverage: 5, stopLoss: '64000' });
    const { batches, withoutWrites } = engine();
    expect(await tickAt(medium, board, BTC, '64100', '64110')).toEqual({ waited: false, closed: [], filled: [], expired: [], cancelled: [] });
    expect([engine().batches - batches, engine().withoutWrites - withoutWrites]).toEqual([0, 1]);

    const fired = await tickAt(medium, board, BTC, '63900', '63910');
    expect(fired.closed).toEqual([{ positionId: opened.id, reason: 'stop_loss' }]);
    expect([engine().batches - batches, engine().withoutWrites - withoutWrites]).toEqual([1, 1]);
    expect((await tickAt(medium, board, BTC, '63800', '63810')).closed).toEqual([]);
    expect([engine().batches - batches, engine().withoutWrites - withoutWrites]).toEqual([1, 2]);
    expect(await medium.dataSource.manager.count(PerpFillEntity, { where: { positionId: opened.id } })).toBe(2);
  });

  it('fires a short’s take-profit at the ask of the crossing tick', async () => {
    const gina = await givenUserWithBalance(medium, '100');
    const opened = await trading.open(gina.id, { symbol: BTC, side: 'short', margin: '20', leverage: 10, takeProfit: '64000' });
    const fired = await tickAt(medium, board, BTC, '63890', '63900');
    expect(fired.closed).toEqual([{ positionId: opened.id, reason: 'take_profit' }]);
    const detail = await trading.position(gina.id, opened.id);
    expect(detail).toMatchObject({ closeReason: 'take_profit', exitPrice: '63900.00000000' });
    expect(detail.fills[1]).toMatchObject({ kind: 'trigger', reason: 'take_profit', referencePrice: '64000.00000000', slippage: '100.00000000' });
  });

  it('liquidates on a gap through the liquidation price (before the stop-loss the same tick crosses): margin to the house, nothing back, no close fee', async () => {
    const hank = await givenUserWithBalance(medium, '100');
    const opened = await trading.open(hank.id, { symbol: BTC, side: 'long', margin: '50', leverage: 20, stopLoss: '62500' });
    const liquidation = parsePrice(opened.liquidationPrice);
    expect(liquidation).toBeGreaterThan(parsePrice('61000'));
    const before = await houseAndFees();
    const fired = await tickAt(medium, board, BTC, '60000', '60010');
    expect(fired.closed).toEqual([{ positionId: opened.id, reason: 'liquidation' }]);
    const detail = await trading.position(hank.id, opened.id);
    expect(detail).toMatchObject({ status: 'closed', closeReason: 'liquidation', exitPrice: '60000.00000000', payout: '0.000000', closeFee: '0.000000' });
    expect(detail.liquidationGap).toBe(formatPrice(liquidation - parsePrice('60000')));
    expect(await balance(hank.id)).toEqual({ available: units('100') - units('50') - units('0.5'), locked: 0n });
    const after = await houseAndFees();
    expect(after.house - before.house).toBe(units('50'));
    expect(after.fees).toBe(before.fees);
  });

  it('a user close at a price past the liquidation price, before its tick was applied, is the liquidation: nothing back, no close fee', async () => {
    const ida = await givenUserWithBalance(medium, '100');
    const opened = await trading.open(ida.id, { symbol: BTC, side: 'short', margin: '20', leverage: 50 });
    const liquidation = parsePrice(opened.liquidationPrice);
    const before = await houseAndFees();
    // The quote is on the board (the user can see it), its tick not yet applied by the leader.
    givenPerpQuote(board, BTC, formatPrice(liquidation - parsePrice('20')), formatPrice(liquidation + parsePrice('5')));
    const closed = await trading.close(ida.id, opened.id);
    expect(closed).toMatchObject({ status: 'closed', closeReason: 'liquidation', payout: '0.000000', closeFee: '0.000000', liquidationGap: '5.00000000' });
    expect(await balance(ida.id)).toEqual({ available: units('100') - units('20') - units('0.5'), locked: 0n });
    const after = await houseAndFees();
    expect(after.house - before.house).toBe(units('20'));
    expect(after.fees).toBe(before.fees);
    const notes = medium.events.named<PerpPositionTriggeredEvent>(TradesEvent.PositionTriggered);
    expect(notes.map((note) => [note.userId, note.reason])).toContainEqual([ida.id, 'liquidation']);
  });

  it('moves and removes triggers; a removed stop no longer fires', async () => {
    const ivy = await givenUserWithBalance(medium, '100');
    const opened = await trading.open(ivy.id, { symbol: BTC, side: 'long', margin: '10', leverage: 2, stopLoss: '64000' });
    expect(await trading.updateTriggers(ivy.id, opened.id, { takeProfit: '70000' })).toMatchObject({ stopLoss: '64000.00000000', takeProfit: '70000.00000000' });
    expect(await trading.updateTriggers(ivy.id, opened.id, { stopLoss: null })).toMatchObject({ stopLoss: null, takeProfit: '70000.00000000' });
    expect((await tickAt(medium, board, BTC, '63000', '63010')).closed).toEqual([]);
    await trading.close(ivy.id, opened.id);
  });

  it('pending orders: hold margin and fee, fill on the crossing tick at its ask (fee to fees), cancel and expiry release the hold', async () => {
    const jack = await givenUserWithBalance(medium, '100');
    const feesBefore = await system(SystemAccount.fees);
    const limit = await trading.placeOrder(jack.id, { symbol: BTC, side: 'long', type: 'limit', price: '64000', margin: '20', leverage: 5, stopLoss: '62000' });
    const cancelled = await trading.placeOrder(jack.id, { symbol: BTC, side: 'short', type: 'stop', price: '63000', margin: '10', leverage: 5 });
    const expiring = await trading.placeOrder(jack.id, { symbol: BTC, side: 'long', type: 'limit', price: '60000', margin: '10', leverage: 5, expiresAt: new Date(Date.now() + 300).toISOString() });
    expect(await balance(jack.id)).toEqual({ available: units('100') - units('40.1'), locked: units('40.1') });

    expect(await trading.cancelOrder(jack.id, cancelled.id)).toMatchObject({ status: 'cancelled' });
    expect(await refusal(trading.cancelOrder(jack.id, cancelled.id))).toMatchObject({ status: 409, error: 'OrderNotOpen' });

    const fired = await tickAt(medium, board, BTC, '63980', '63990');
    expect(fired.filled.map((fill) => fill.orderId)).toEqual([limit.id]);
    const positionId = fired.filled[0].positionId;
    const position = await trading.position(jack.id, positionId);
    expect(position).toMatchObject({ status: 'open', entryPrice: '63990.00000000', openFee: '0.050000', stopLoss: '62000.00000000' });
    expect(position.fills[0]).toMatchObject({ kind: 'open', price: '63990.00000000', referencePrice: '64000.00000000', slippage: '10.00000000' });
    expect(await system(SystemAccount.fees)).toBe(feesBefore + units('0.05'));

    await new Promise((resolve) => setTimeout(resolve, 350));
    const expiredTick = await tickAt(medium, board, BTC, '63980', '63990');
    expect(expiredTick.expired).toEqual([expiring.id]);
    const orders = await trading.orders(jack.id, { page: 1, limit: 10 });
    expect(Object.fromEntries(orders.data.map((order) => [order.id, [order.status, order.positionId]]))).toEqual({
      [limit.id]: ['filled', positionId],
      [cancelled.id]: ['cancelled', null],
      [expiring.id]: ['expired', null],
    });
    expect(await balance(jack.id)).toEqual({ available: units('100') - units('20.05'), locked: units('20') });
    const orderEvents = medium.events.named<{ order: PerpOrderUpdate }>(UserUpdateEvent.OrderUpdated).map((event) => event.order.status);
    expect(orderEvents).toEqual(expect.arrayContaining(['open', 'cancelled', 'filled', 'expired']));
    await trading.close(jack.id, positionId);
  });

  it('a retry with the same Idempotency-Key is the same engine command: one position, the first answer; another body with it is 422', async () => {
    const kate = await givenUserWithBalance(medium, '100');
    const body = { symbol: BTC, side: 'long' as const, margin: '10', leverage: 5 };
    const first = await trading.open(kate.id, body, 'open-1');
    const again = await trading.open(kate.id, body, 'open-1');
    expect(again).toEqual(first);
    expect(await rowsOf(kate.id)).toEqual({ positions: 1, orders: 0 });
    expect(await refusal(trading.open(kate.id, { ...body, margin: '11' }, 'open-1'))).toMatchObject({ status: 422, error: 'IdempotencyKeyMismatch' });
    expect(commandIdOf(kate.id, 'open-1')).not.toBe(commandIdOf(UNKNOWN_ID, 'open-1'));
    await trading.close(kate.id, first.id);
  });

  it('with the feed stale triggers wait; a new leader rebuilds from PostgreSQL and its first tick fires what crossed meanwhile', async () => {
    const liam = await givenUserWithBalance(medium, '100');
    const opened = await trading.open(liam.id, { symbol: BTC, side: 'long', margin: '10', leverage: 2, takeProfit: '66000' });
    const order = await trading.placeOrder(liam.id, { symbol: BTC, side: 'short', type: 'limit', price: '66100', margin: '10', leverage: 2 });
    board.quote(BTC, '66200', '66210');
    board.goStale(BTC);
    const waited = await medium.module.get<InProcessPerpEngine>(PERP_ENGINE).submitLocal(BTC, { type: 'tick', payload: { bid: '66200', ask: '66210', updateId: 0, receivedAt: Date.now() } });
    expect(waited).toMatchObject({ ok: true, result: { waited: true, closed: [], filled: [] } });

    engine().forgetState();
    const fired = await tickAt(medium, board, BTC, '66200', '66210');
    expect(fired.closed).toEqual([{ positionId: opened.id, reason: 'take_profit' }]);
    expect(fired.filled.map((fill) => fill.orderId)).toEqual([order.id]);
    const filled = await medium.dataSource.manager.findOneByOrFail(PerpOrderEntity, { id: order.id });
    await trading.close(liam.id, filled.positionId!);
    expect(await medium.dataSource.manager.count(PerpFillEntity, { where: { positionId: opened.id } })).toBe(2);
  });
  it('one tick closes every position it crosses in one batch (300 stops), each exactly once', async () => {
    const users = await Promise.all(Array.from({ length: 30 }, () => givenUserWithBalance(medium, '1000')));
    const opened: string[] = [];
    for (const user of users) for (let index = 0; index < 10; index++) opened.push((await trading.open(user.id, { symbol: BTC, side: 'long', margin: '10', leverage: 5, stopLoss: `${64000 + index}` })).id);
    const startedAt = performance.now();
    const fired = await tickAt(medium, board, BTC, '63900', '63910');
    const elapsed = performance.now() - startedAt;
    console.log(`perps medium: one tick closed ${fired.closed.length} positions in ${elapsed.toFixed(0)} ms`);
    expect(new Set(fired.closed.map((close) => close.positionId))).toEqual(new Set(opened));
    expect((await tickAt(medium, board, BTC, '63800', '63810')).closed).toEqual([]);
    expect(await medium.dataSource.manager.count(PerpFillEntity, { where: { kind: 'trigger', reason: 'stop_loss' } })).toBeGreaterThanOrEqual(300);
  }, 60_000);
  it('a batch of opens is written together, and each refusal in it is its own: what does not fit, a bad leverage, a stale quote move nothing', async () => {
    const nina = await givenUserWithBalance(medium, '25');
    const otto = await givenUserWithBalance(medium, '50');
    const open = (userId: string, margin: string, leverage = 5): EngineCommand => ({
      id: randomUUID(),
      type: PerpCommandType.Open,
      userId,
      payload: { side: 'long', margin: units(margin).toString(), leverage, slippageBps: 50, fingerprint: 'f' } satisfies OpenPayload,
    });
    const commands = [open(nina.id, '10'), open(nina.id, '15'), open(otto.id, '10', 51), open(otto.id, '10'), open(nina.id, '14')];
    const before = await houseAndFees();
    medium.events.clear();
    const outcomes = await medium.dataSource.transaction(async (manager) => {
      const venue = medium.get(PerpVenue);
      return venue.applyBatch(manager, await venue.load(manager, BTC), commands, BTC);
    });
    // Fee 5 bps of the notional (5×). nina: 25 − (10 + 0.025) leaves 14.975: 15 + 0.0375 does not fit, 14 + 0.035 does, after it; otto's 51× is refused before any write.
    expect(outcomes.map((outcome) => (outcome.ok ? 'ok' : outcome.refusal.error))).toEqual(['ok', 'InsufficientFunds', 'LeverageOutOfRange', 'ok', 'ok']);
    expect(await balance(nina.id)).toEqual({ available: units('25') - units('24') - units('0.06'), locked: units('24') });
    expect(await balance(otto.id)).toEqual({ available: units('40') - units('0.025'), locked: units('10') });
    expect(await rowsOf(nina.id)).toEqual({ positions: 2, orders: 0 });
    expect(await rowsOf(otto.id)).toEqual({ positions: 1, orders: 0 });
    expect((await houseAndFees()).fees - before.fees).toBe(units('0.085'));
    const openedIds = outcomes.flatMap((outcome) => (outcome.ok ? [(outcome.result as { value: { id: string } }).value.id] : []));
    expect(await medium.dataSource.manager.count(PerpFillEntity, { where: { positionId: In(openedIds), kind: 'open' } })).toBe(3);
    expect(medium.events.named(UserUpdateEvent.PositionUpdated).length).toBe(3);

    board.goStale(BTC);
    const stale = await medium.dataSource.transaction(async (manager) => {
      const venue = medium.get(PerpVenue);
      return venue.applyBatch(manager, await venue.load(manager, BTC), [open(otto.id, '10'), open(nina.id, '1')], BTC);
    });
    expect(stale.map((outcome) => (outcome.ok ? 'ok' : outcome.refusal.error))).toEqual(['PriceFeedStale', 'PriceFeedStale']);
    expect(await rowsOf(otto.id)).toEqual({ positions: 1, orders: 0 });
  });

  it('statistics (PerpStatsQueries) count a closed position: its P&L is the balance change, fees included; open ones are open positions', async () => {
    const nora = await givenUserWithBalance(medium, '100');
    const first = await trading.open(nora.id, { symbol: BTC, side: 'long', margin: '10', leverage: 5 });
    await trading.open(nora.id, { symbol: BTC, side: 'short', margin: '10', leverage: 2 });
    givenPerpQuote(board, BTC, '64000', '64010');
    await trading.close(nora.id, first.id);

    const summary = await medium.get(PerpStatsQueries).playerSummary(nora.id, null);

    const { available, locked } = await balance(nora.id);
    // The open short holds its margin and has paid its open fee (0.01): put back, the rest is the closed trade's P&L.
    expect(summary).toMatchObject({ trades: 1, wins: 0, volume: units('50'), openPositions: 1 });
    expect(summary.pnl).toBe(available + locked + units('0.01') - units('100'));
    expect(summary.best).toBe(summary.pnl);
    const [result] = await medium.get(PerpStatsQueries).resultsOfPositions([first.id]);
    expect(result).toMatchObject({ settlementId: `perp:${first.id}`, userId: nora.id, pnl: summary.pnl, volume: units('50') });
  });
});
