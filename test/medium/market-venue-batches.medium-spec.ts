import { randomUUID } from 'node:crypto';
import { AccountsService } from '../../src/accounts/accounts.service';
import { LedgerService } from '../../src/accounts/ledger.service';
import { DomainError } from '../../src/common/errors/domain-error';
import type { CommandOutcome, EngineCommand } from '../../src/engine/venue';
import { MarketCommandType } from '../../src/markets/venue/market-commands';
import { MarketVenue } from '../../src/markets/venue/market-venue';
import { givenUserWithBalance } from './support/given';
import { givenMarket, MARKETS_VENUE } from './support/given-market';
import { MediumModule, startMediumModule } from './support/medium-module';

/** A command of the script: which user (by index) and what; `cancel` names a resting order placed before by its index. */
type Step =
  | { type: 'buy'; user: number; outcome: number; amount: string }
  | { type: 'sell'; user: number; outcome: number; shares: string }
  | { type: 'place'; user: number; outcome: number; side: 'buy' | 'sell'; price: number; shares: string; timeInForce?: 'GTC' | 'IOC' }
  | { type: 'cancel'; user: number; resting: number };

const USERS = 4;
const units = (decimal: string) => BigInt(Math.round(Number(decimal) * 1_000_000));

/**
 * The markets venue's batched paths (a run of trades written together, a run of resting orders and cancels written
 * together, the fall-back to one command at a time when the ledger refuses one of a run) give exactly what the same
 * commands give applied one at a time: same answers and refusals, same rows, balances and pool; and the state the
 * batch leaves in memory equals the state read again from PostgreSQL.
 */
describe('Markets venue: a batch equals its commands one at a time (medium)', () => {
  let medium: MediumModule;
  let venue: MarketVenue;

  beforeAll(async () => {
    medium = await startMediumModule(MARKETS_VENUE, { STARTING_BALANCE: '0' });
    venue = medium.get(MarketVenue);
  });
  afterAll(() => medium?.close());

  /** A market, its users (100 USDC each, the last one 5) holding Yes and No shares, and resting orders of theirs. */
  async function given(): Promise<{ marketId: string; users: string[]; resting: string[] }> {
    const market = await givenMarket(medium, { subsidy: '200' });
    const users: string[] = [];
    for (let n = 0; n < USERS; n++) users.push((await givenUserWithBalance(medium, n === USERS - 1 ? '5' : '100')).id);
    const direct = (command: EngineCommand) => medium.dataSource.transaction((manager) => venue.applyDirect(manager, market.id, command));
    for (const userId of users.slice(0, USERS - 1)) {
      await direct(command(userId, { type: MarketCommandType.Buy, payload: { outcome: 0, amount: '20000000', minShares: null } }));
      await direct(command(userId, { type: MarketCommandType.Buy, payload: { outcome: 1, amount: '10000000', minShares: null } }));
    }
    const resting: string[] = [];
    for (const [n, userId] of users.slice(0, USERS - 1).entries()) {
      const placed = (await direct(command(userId, { type: MarketCommandType.PlaceOrder, payload: placePayload(0, 'buy', 10 + n, '5000000') }))) as { value: { order: { id: string } } };
      resting.push(placed.value.order.id);
      const offered = (await direct(command(userId, { type: MarketCommandType.PlaceOrder, payload: placePayload(0, 'sell', 90 + n, '2000000') }))) as { value: { order: { id: string } } };
      resting.push(offered.value.order.id);
    }
    return { marketId: market.id, users, resting };
  }

  function toCommands(script: Step[], users: string[], resting: string[]): EngineCommand[] {
    return script.map((step) => {
      const userId = users[step.user];
      switch (step.type) {
        case 'buy':
          return command(userId, { type: MarketCommandType.Buy, payload: { outcome: step.outcome, amount: String(units(step.amount)), minShares: null } });
        case 'sell':
          return command(userId, { type: MarketCommandType.Sell, payload: { outcome: step.outcome, shares: String(units(step.shares)), minProceeds: null } });
        case 'place':
          return command(userId, { type: MarketCommandType.PlaceOrder, payload: placePayload(step.outcome, step.side, step.price, String(units(step.shares)), step.timeInForce) });
        case 'cancel':
          return command(userId, { type: MarketCommandType.CancelOrder, payload: { orderId: resting[step.resting] } });
      }
    });
  }

  async function applyBatched(marketId: string, commands: EngineCommand[]): Promise<{ outcomes: CommandOutcome[]; inMemory: unknown; reloaded: unknown }> {
    return medium.dataSource.transaction(async (manager) => {
      const state = await venue.load(manager, marketId);
      const outcomes = await venue.applyBatch(manager, state, commands);
      const reloaded = await venue.load(manager, marketId);
      const view = (one: typeof state) => ({ books: one.books.map((book) => ({ ...book.snapshot(), sequence: 0 })), shares: one.pool.state.outstandingShares, market: marketView(one.market) });
      return { outcomes, inMemory: view(state), reloaded: view(reloaded) };
    });
  }

  async function applyOneByOne(marketId: string, commands: EngineCommand[]): Promise<CommandOutcome[]> {
    const outcomes: CommandOutcome[] = [];
    for (const one of commands) {
      try {
        outcomes.push({ ok: true, result: await medium.dataSource.transaction((manager) => venue.applyDirect(manager, marketId, one)) });
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        outcomes.push({ ok: false, refusal: { status: error.status, error: error.error, message: error.message } });
      }
    }
    return outcomes;
  }

  /** Everything of the market and its users, with ids and times left out and users named by index. */
  async function world(marketId: string, users: string[]): Promise<unknown> {
    const [market] = (await medium.dataSource.query(`SELECT outstanding_shares, volume, platform_fees, creator_fees, trade_count FROM markets WHERE id = $1`, [marketId])) as unknown[];
    const userIndex = (id: string) => users.indexOf(id);
    const positions = ((await medium.dataSource.query(`SELECT user_id, shares, cost_basis, paid, received FROM market_positions WHERE market_id = $1`, [marketId])) as { user_id: string }[])
      .map((row) => ({ ...row, user_id: userIndex(row.user_id) }))
      .sort((a, b) => a.user_id - b.user_id);
    const orders = ((await medium.dataSource.query(
      `SELECT user_id, outcome, side, price_tick, shares, filled_shares, status, cancel_reason, locked_amount FROM market_orders WHERE market_id = $1 ORDER BY seq`,
      [marketId],
    )) as { user_id: string }[]).map((row) => ({ ...row, user_id: userIndex(row.user_id) }));
    const trades = ((await medium.dataSource.query(`SELECT user_id, side, outcome, shares, amount, fee, average_price, prices FROM market_trades WHERE market_id = $1`, [marketId])) as { user_id: string }[])
      .map((row) => ({ ...row, user_id: userIndex(row.user_id) }))
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    const fills = (await medium.dataSource.query(`SELECT count(*)::int AS n, coalesce(sum(amount), 0)::text AS amount FROM market_order_fills WHERE market_id = $1`, [marketId])) as unknown[];
    const balances = [];
    for (const userId of users) balances.push((await medium.get(AccountsService).overview(userId)).balances.find((balance) => balance.asset === 'USDC'));
    const pool = await medium.dataSource.transaction((manager) => medium.get(LedgerService).systemBalance(manager, { system: `market-pool:${marketId}` }));
    // The prices the history and a book trade's "prices then" read: the newest point, the last of its transaction
    // (a run of trades writes one point, its last prices; one at a time writes one each).
    const [lastPoint] = (await medium.dataSource.query(`SELECT prices FROM market_price_points WHERE market_id = $1 ORDER BY at DESC, id DESC LIMIT 1`, [marketId])) as unknown[];
    return { market, positions, orders, trades: trades.length, tradeRows: trades, fills, balances, pool, lastPoint };
  }

  const scripts: [string, Step[]][] = [
    [
      'a run of trades, one of them refused in memory',
      [
        { type: 'buy', user: 0, outcome: 0, amount: '3' },
        { type: 'sell', user: 1, outcome: 0, shares: '2' },
        { type: 'sell', user: 2, outcome: 1, shares: '500' },
        { type: 'buy', user: 2, outcome: 1, amount: '4.5' },
        { type: 'buy', user: 1, outcome: 0, amount: '1.25' },
      ],
    ],
    [
      'a run of trades with one the ledger refuses (falls back to one at a time)',
      [
        { type: 'buy', user: 0, outcome: 1, amount: '2' },
        { type: 'buy', user: 3, outcome: 0, amount: '50' },
        { type: 'buy', user: 1, outcome: 0, amount: '2' },
        { type: 'sell', user: 0, outcome: 0, shares: '1' },
      ],
    ],
    [
      'resting orders and cancels, then a crossing one, then trades',
      [
        { type: 'place', user: 0, outcome: 0, side: 'buy', price: 5, shares: '3' },
        { type: 'cancel', user: 1, resting: 2 },
        { type: 'place', user: 1, outcome: 1, side: 'sell', price: 97, shares: '1' },
        { type: 'place', user: 2, outcome: 0, side: 'sell', price: 95, shares: '4' },
        { type: 'cancel', user: 0, resting: 1 },
        { type: 'place', user: 0, outcome: 0, side: 'buy', price: 96, shares: '1', timeInForce: 'IOC' },
        { type: 'place', user: 1, outcome: 0, side: 'buy', price: 7, shares: '2' },
        { type: 'buy', user: 2, outcome: 0, amount: '1' },
        { type: 'cancel', user: 2, resting: 0 },
        { type: 'place', user: 2, outcome: 0, side: 'sell', price: 94, shares: '10000' },
      ],
    ],
    [
      'buys and sells that meet resting orders (one of them the trader’s own) amid pool trades',
      [
        { type: 'place', user: 1, outcome: 0, side: 'sell', price: 56, shares: '2' },
        { type: 'buy', user: 2, outcome: 1, amount: '1' },
        { type: 'buy', user: 0, outcome: 0, amount: '30' },
        { type: 'buy', user: 1, outcome: 1, amount: '1' },
        { type: 'place', user: 2, outcome: 0, side: 'buy', price: 57, shares: '3' },
        { type: 'sell', user: 1, outcome: 0, shares: '20' },
        { type: 'place', user: 0, outcome: 0, side: 'sell', price: 60, shares: '1' },
        { type: 'buy', user: 0, outcome: 0, amount: '30' },
        { type: 'buy', user: 3, outcome: 0, amount: '50' },
        { type: 'sell', user: 2, outcome: 1, shares: '1' },
      ],
    ],
    [
      'resting orders with a hold the ledger refuses (falls back to one at a time)',
      [
        { type: 'place', user: 0, outcome: 0, side: 'buy', price: 4, shares: '1' },
        { type: 'place', user: 3, outcome: 0, side: 'buy', price: 5, shares: '500' },
        { type: 'place', user: 1, outcome: 1, side: 'buy', price: 3, shares: '2' },
        { type: 'cancel', user: 1, resting: 3 },
      ],
    ],
  ];

  it.each(scripts)('%s', async (_name, script) => {
    const batched = await given();
    const single = await given();
    const { outcomes, inMemory, reloaded } = await applyBatched(batched.marketId, toCommands(script, batched.users, batched.resting));
    const expected = await applyOneByOne(single.marketId, toCommands(script, single.users, single.resting));
    expect(outcomes.map(shapeOf)).toEqual(expected.map(shapeOf));
    if (_name.startsWith('buys and sells that meet')) {
      // The script does reach the book: fills of resting orders, and the trader's own resting sell cancelled.
      const routed = outcomes.filter((outcome) => outcome.ok && (outcome.result as { value: { tradeId?: string; fills?: unknown[] } }).value.tradeId && (outcome.result as { value: { fills?: unknown[] } }).value.fills);
      expect(routed).toHaveLength(3);
      const orders = (await world(batched.marketId, batched.users)) as { orders: { cancel_reason: string | null; status: string; price_tick: number }[] };
      expect(orders.orders.filter((order) => order.price_tick >= 56 && order.price_tick <= 60).map((order) => [order.price_tick, order.status, order.cancel_reason])).toEqual([
        [56, 'filled', null],
        [57, 'filled', null],
        [60, 'cancelled', 'self_trade'],
      ]);
    }
    expect(inMemory).toEqual(reloaded);
    expect(await world(batched.marketId, batched.users)).toEqual(await world(single.marketId, single.users));
  });

  /**
   * ENGINE_PIPELINE_DEPTH 2: batch N+1 applied (overlapped) while batch N's transaction is still open, committed after
   * it. Same answers, rows and balances as the commands one at a time; the state in memory equals PostgreSQL's.
   */
  async function applyOverlapped(marketId: string, first: EngineCommand[], second: EngineCommand[], tamper?: () => Promise<void>) {
    const earlier = medium.dataSource.createQueryRunner();
    const later = medium.dataSource.createQueryRunner();
    await earlier.connect();
    await later.connect();
    try {
      await earlier.startTransaction();
      await later.startTransaction();
      const state = await venue.load(earlier.manager, marketId);
      const firstOutcomes = await venue.applyBatch(earlier.manager, state, first);
      const overlapped = venue.overlaps(second, state);
      let earlierCommitted!: () => void;
      const committed = new Promise<void>((resolve) => (earlierCommitted = resolve));
      const deferred: (() => Promise<void>)[] = [];
      const context = { overlapped: true, beforeCommit: (work: () => Promise<void>) => void deferred.push(work), afterEarlierCommitted: () => committed };
      const applying = venue.applyBatch(later.manager, state, second, marketId, context);
      const before = await Promise.race([applying.then(() => 'applied'), new Promise((resolve) => setTimeout(() => resolve('waiting'), 1500))]);
      // (A batch still waiting inside a statement, for a lock the earlier one holds, cannot be asked.)
      const ordersBeforeCommit =
        before === 'applied' ? ((await later.query(`SELECT count(*)::int AS n FROM market_orders WHERE market_id = $1`, [marketId])) as { n: number }[])[0].n : undefined;
      await earlier.commitTransaction();
      earlierCommitted();
      await tamper?.();
      const secondOutcomes = await applying;
      try {
        for (const work of deferred) await work();
        await later.commitTransaction();
      } catch (error) {
        await later.rollbackTransaction();
        return { error: error as Error };
      }
      const reloaded = await medium.dataSource.transaction((manager) => venue.load(manager, marketId));
      const view = (one: typeof state) => ({ books: one.books.map((book) => ({ ...book.snapshot(), sequence: 0 })), shares: one.pool.state.outstandingShares, market: marketView(one.market) });
      return { outcomes: [...firstOutcomes, ...secondOutcomes], overlapped, before, ordersBeforeCommit, inMemory: view(state), reloaded: view(reloaded) };
    } finally {
      if (earlier.isTransactionActive) await earlier.rollbackTransaction();
      if (later.isTransactionActive) await later.rollbackTransaction();
      await earlier.release();
      await later.release();
    }
  }

  const first: Step[] = [
    { type: 'buy', user: 0, outcome: 0, amount: '3' },
    { type: 'place', user: 1, outcome: 0, side: 'buy', price: 6, shares: '2' },
    { type: 'cancel', user: 0, resting: 0 },
  ];
  const restingOnly: Step[] = [
    { type: 'place', user: 2, outcome: 0, side: 'buy', price: 8, shares: '1' },
    { type: 'cancel', user: 2, resting: 4 },
    { type: 'place', user: 3, outcome: 1, side: 'buy', price: 5, shares: '2' },
    { type: 'place', user: 2, outcome: 1, side: 'buy', price: 4, shares: '3' },
  ];

  /** `earlier` then `later` overlapped on one market, and one at a time on another: the same answers, rows, balances and pool, and memory = PostgreSQL. */
  async function overlappedEqualsOneByOne(earlier: Step[], later: Step[]) {
    const batched = await given();
    const single = await given();
    const run = await applyOverlapped(batched.marketId, toCommands(earlier, batched.users, batched.resting), toCommands(later, batched.users, batched.resting));
    const expected = await applyOneByOne(single.marketId, toCommands([...earlier, ...later], single.users, single.resting));
    if ('error' in run) throw run.error;
    expect(run.overlapped).toBe(true);
    expect(run.outcomes.map(shapeOf)).toEqual(expected.map(shapeOf));
    expect(run.inMemory).toEqual(run.reloaded);
    expect(await world(batched.marketId, batched.users)).toEqual(await world(single.marketId, single.users));
    return { run, expected };
  }

  it('an overlapped batch of resting buys and cancels is applied beside the previous batch, its rows written once that one committed', async () => {
    const { run } = await overlappedEqualsOneByOne(first, restingOnly);
    // Its apply did not wait for the earlier commit, and wrote no order row before its beforeCommit work.
    expect(run.before).toBe('applied');
    expect(run.ordersBeforeCommit).toBe(6);
  });

  it('an overlapped batch meeting a hold the ledger refuses waits for the earlier commit, then goes on one at a time', async () => {
    const second: Step[] = [...restingOnly.slice(0, 2), { type: 'place', user: 3, outcome: 0, side: 'buy', price: 5, shares: '500' }, ...restingOnly.slice(2)];
    const { run } = await overlappedEqualsOneByOne(first, second);
    expect(run.before).toBe('waiting');
  });

  const tradesFirst: Step[] = [
    { type: 'buy', user: 0, outcome: 0, amount: '3' },
    { type: 'sell', user: 1, outcome: 1, shares: '2' },
  ];
  const tradesLater: Step[] = [
    { type: 'buy', user: 2, outcome: 1, amount: '4' },
    { type: 'sell', user: 2, outcome: 0, shares: '1' },
    { type: 'buy', user: 3, outcome: 0, amount: '2' },
  ];

  it('an overlapped batch of trades is priced and posted beside the previous batch, its market and trade rows written once that one committed', async () => {
    const { expected } = await overlappedEqualsOneByOne(tradesFirst, tradesLater);
    expect(expected.every((outcome) => outcome.ok)).toBe(true);
  });

  it('an overlapped batch of trades the ledger refuses part of waits for the earlier commit, then goes on one at a time', async () => {
    const later: Step[] = [...tradesLater, { type: 'buy', user: 3, outcome: 0, amount: '50' }, { type: 'buy', user: 2, outcome: 0, amount: '1' }];
    const { expected } = await overlappedEqualsOneByOne(tradesFirst, later);
    // The 50 USDC buy is more than user 3 holds: refused alone, the others fill.
    expect(expected.map((outcome) => outcome.ok)).toEqual([true, true, true, true, true, false, true]);
  });

  it('overlaps trades only by users whose positions the previous batch did not write, on a market without a creator', async () => {
    const market = await given();
    await medium.dataSource.transaction(async (manager) => {
      const state = await venue.load(manager, market.marketId);
      const trades = (steps: Step[]) => toCommands(steps, market.users, market.resting);
      // Just loaded: no batch of this state is in flight.
      expect(venue.overlaps(trades(tradesFirst), state)).toBe(true);
      await venue.applyBatch(manager, state, trades(tradesFirst));
      expect(venue.overlaps(trades(tradesLater), state)).toBe(true);
      expect(venue.overlaps(trades([...tradesLater, { type: 'buy', user: 0, outcome: 1, amount: '1' }]), state)).toBe(false);
      expect(venue.overlaps(trades([{ type: 'sell', user: 1, outcome: 1, shares: '1' }]), state)).toBe(false);
      expect(venue.overlaps(trades([{ type: 'buy', user: 2, outcome: 1, amount: '1' }]), { ...state, market: { ...state.market, creatorId: market.users[3] } as typeof state.market })).toBe(false);
      // A batch of resting orders writes no position: trades of anyone may follow it.
      await venue.applyBatch(manager, state, trades([{ type: 'place', user: 0, outcome: 1, side: 'buy', price: 3, shares: '1' }]));
      expect(venue.overlaps(trades([{ type: 'buy', user: 0, outcome: 1, amount: '1' }]), state)).toBe(true);
      // A command applied alone (a sell order crossing the book) writes positions that are not tracked: nothing overlaps it.
      await venue.applyBatch(manager, state, trades([{ type: 'place', user: 1, outcome: 0, side: 'sell', price: 10, shares: '1' }]));
      expect(venue.overlaps(trades([{ type: 'buy', user: 3, outcome: 1, amount: '1' }]), state)).toBe(false);
      throw new Rollback();
    }).catch((error: unknown) => {
      if (!(error instanceof Rollback)) throw error;
    });
  });

  it('an overlapped batch of trades applied while the overlapped batch before it runs its beforeCommit work keeps the market in memory right', async () => {
    const batched = await given();
    const single = await given();
    const first = toCommands(tradesFirst, batched.users, batched.resting);
    const resting = toCommands([{ type: 'place', user: 2, outcome: 1, side: 'buy', price: 3, shares: '2' }], batched.users, batched.resting);
    const trades = toCommands(tradesLater, batched.users, batched.resting);
    const runners = [medium.dataSource.createQueryRunner(), medium.dataSource.createQueryRunner(), medium.dataSource.createQueryRunner()];
    try {
      for (const runner of runners) {
        await runner.connect();
        await runner.startTransaction();
      }
      const [a, b, c] = runners;
      const state = await venue.load(a.manager, batched.marketId);
      const overlappedContext = () => {
        let committed!: () => void;
        const earlier = new Promise<void>((resolve) => (committed = resolve));
        const deferred: (() => Promise<void>)[] = [];
        return { committed, deferred, context: { overlapped: true, beforeCommit: (work: () => Promise<void>) => void deferred.push(work), afterEarlierCommitted: () => earlier } };
      };
      const outcomes = await venue.applyBatch(a.manager, state, first);
      // B: resting buy of user 2, applied beside A's commit (it holds user 2's account).
      expect(venue.overlaps(resting, state)).toBe(true);
      const second = overlappedContext();
      outcomes.push(...(await venue.applyBatch(b.manager, state, resting, batched.marketId, second.context)));
      await a.commitTransaction();
      second.committed();
      // C: trades of users 2 and 3, applied beside B's commit; its posting waits for user 2's account, which B holds.
      expect(venue.overlaps(trades, state)).toBe(true);
      const third = overlappedContext();
      const applying = venue.applyBatch(c.manager, state, trades, batched.marketId, third.context);
      await new Promise((resolve) => setTimeout(resolve, 300));
      // B's beforeCommit work (its market row check) runs while C is in its apply, then B commits.
      for (const work of second.deferred) await work();
      await b.commitTransaction();
      third.committed();
      outcomes.push(...(await applying));
      for (const work of third.deferred) await work();
      await c.commitTransaction();

      const expected = await applyOneByOne(single.marketId, toCommands([...tradesFirst, { type: 'place', user: 2, outcome: 1, side: 'buy', price: 3, shares: '2' }, ...tradesLater], single.users, single.resting));
      expect(outcomes.map(shapeOf)).toEqual(expected.map(shapeOf));
      const reloaded = await medium.dataSource.transaction((manager) => venue.load(manager, batched.marketId));
      expect(marketView(state.market)).toEqual(marketView(reloaded.market));
      expect(state.pool.state.outstandingShares).toEqual(reloaded.pool.state.outstandingShares);
      expect(await world(batched.marketId, batched.users)).toEqual(await world(single.marketId, single.users));
    } finally {
      for (const runner of runners) {
        if (runner.isTransactionActive) await runner.rollbackTransaction();
        await runner.release();
      }
    }
  });

  it('gives up waiting for the market row after a bound, so a lifecycle step that waits for this batch cannot hang the shard', async () => {
    const batched = await given();
    const step = medium.dataSource.createQueryRunner();
    await step.connect();
    try {
      await step.startTransaction();
      const started = Date.now();
      const run = await applyOverlapped(batched.marketId, toCommands(tradesFirst, batched.users, batched.resting), toCommands(restingOnly, batched.users, batched.resting), () =>
        step.query(`SELECT id FROM markets WHERE id = $1 FOR UPDATE`, [batched.marketId]).then(() => undefined),
      );
      expect((run as { error?: Error }).error?.message).toMatch(/lock timeout/);
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      if (step.isTransactionActive) await step.rollbackTransaction();
      await step.release();
    }
  });

  it('rolls an overlapped batch of trades back when a lifecycle step changed the market before its commit', async () => {
    const batched = await given();
    const run = await applyOverlapped(batched.marketId, toCommands(tradesFirst, batched.users, batched.resting), toCommands(tradesLater, batched.users, batched.resting), () =>
      medium.dataSource.query(`UPDATE markets SET status = 'CLOSED' WHERE id = $1`, [batched.marketId]).then(() => undefined),
    );
    expect((run as { error?: Error }).error?.message).toMatch(/changed while a batch was applied/);
    const [{ n }] = (await medium.dataSource.query(`SELECT count(*)::int AS n FROM market_trades WHERE market_id = $1 AND user_id = $2`, [batched.marketId, batched.users[3]])) as { n: number }[];
    expect(n).toBe(0);
  });

  it('does not overlap sells, trades mixed with orders or crossing buys', async () => {
    const market = await given();
    const state = await medium.dataSource.transaction((manager) => venue.load(manager, market.marketId));
    const overlaps = (steps: Step[]) => venue.overlaps(toCommands(steps, market.users, market.resting), state);
    expect(overlaps(restingOnly)).toBe(true);
    expect(overlaps([...restingOnly, { type: 'place', user: 1, outcome: 0, side: 'sell', price: 97, shares: '1' }])).toBe(false);
    expect(overlaps([...restingOnly, { type: 'buy', user: 1, outcome: 0, amount: '1' }])).toBe(false);
    expect(overlaps([{ type: 'place', user: 0, outcome: 0, side: 'buy', price: 95, shares: '1' }])).toBe(false);
    expect(overlaps([{ type: 'cancel', user: 0, resting: 2 }])).toBe(false);
  });

  it('rolls an overlapped batch back when a lifecycle step changed the market before its commit', async () => {
    const batched = await given();
    const run = await applyOverlapped(batched.marketId, toCommands(first, batched.users, batched.resting), toCommands(restingOnly, batched.users, batched.resting), () =>
      medium.dataSource.query(`UPDATE markets SET status = 'CLOSED' WHERE id = $1`, [batched.marketId]).then(() => undefined),
    );
    expect((run as { error?: Error }).error?.message).toMatch(/changed while a batch was applied/);
    // The later batch's orders (ticks 4, 5 and 8): none.
    const [{ n }] = (await medium.dataSource.query(`SELECT count(*)::int AS n FROM market_orders WHERE market_id = $1 AND user_id = ANY($2::uuid[]) AND price_tick IN (4, 5, 8)`, [
      batched.marketId,
      batched.users.slice(2),
    ])) as { n: number }[];
    expect(n).toBe(0);
  });
});

class Rollback extends Error {}

function command(userId: string, { type, payload }: { type: string; payload: object }): EngineCommand {
  return { id: randomUUID(), type, userId, payload: { ...payload, fingerprint: 'f' } };
}

function placePayload(outcome: number, side: 'buy' | 'sell', priceTick: number, shares: string, timeInForce: 'GTC' | 'IOC' = 'GTC'): object {
  return { outcome, side, price: (priceTick / 100).toFixed(2), shares, timeInForce, expiresAt: null, postOnly: false, stp: null };
}

function marketView(market: { outstandingShares: bigint[]; volume: bigint; platformFees: bigint; creatorFees: bigint; tradeCount: number; status: string }) {
  return { outstandingShares: market.outstandingShares, volume: market.volume, platformFees: market.platformFees, creatorFees: market.creatorFees, tradeCount: market.tradeCount, status: market.status };
}

/** An outcome without ids and times: what must be the same either way. */
function shapeOf(outcome: CommandOutcome): unknown {
  if (!outcome.ok) return { refused: outcome.refusal.error };
  return JSON.parse(JSON.stringify(outcome.result), (key: string, value: unknown) => (['id', 'tradeId', 'createdAt', 'marketId'].includes(key) ? '·' : value));
}
