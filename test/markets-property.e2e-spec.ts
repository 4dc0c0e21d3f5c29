import { SeededRandom } from '../src/markets/amm/seeded-random';
import { formatUnits } from '../src/markets/market-rules';
import { MarketQueriesService } from '../src/markets/market-queries.service';
import { MarketSettlementService } from '../src/markets/market-settlement.service';
import { MarketTradingService } from '../src/markets/market-trading.service';
import { MarketsService } from '../src/markets/markets.service';
import { RunningApp, startTestApp } from './support/test-app';
import { createAdmin, createFundedUser, db, reconcile } from './support/ledger';
import { marketBody, units } from './support/markets';
import { TestUser } from './support/users';

const SEEDS = [7, 2026];
const TRADES_PER_SEED = 60;

/**
 * Random trade sequences through the real service and database: after every trade the pool holds at least
 * max_i q_i and exactly subsidy + what trades put in; at the end the ledger reconciles, and a cancellation
 * through the settlement service gives everyone back paid - received and leaves the pool at zero.
 */
describe('prediction markets: random trade sequences (e2e property)', () => {
  let running: RunningApp;
  let admin: TestUser;

  beforeAll(async () => {
    // engine: leads the markets' shards (trades run on the venue engine) and runs no job worker (the test settles itself).
    running = await startTestApp({ STARTING_BALANCE: '1000', MARKET_SETTLEMENT_BATCH_SIZE: '3', APP_ROLE: 'engine' });
    admin = await createAdmin(running);
  });

  afterAll(async () => {
    await running.close();
  });

  it.each(SEEDS)('keeps the pool invariant and the ledger balanced (seed %i)', async (seed) => {
    const random = new SeededRandom(seed);
    const markets = running.app.get(MarketsService);
    const trading = running.app.get(MarketTradingService);
    const queries = running.app.get(MarketQueriesService);
    const outcomes = ['A', 'B', 'C'];
    const market = await markets.create({ house: true, adminId: admin.id }, marketBody({ outcomes, subsidy: String(random.int(5, 200)) }));
    const users = await Promise.all(Array.from({ length: 4 }, () => createFundedUser(running)));
    const held = users.map(() => outcomes.map(() => 0n));
    const net = users.map(() => 0n);
    let poolExpected = units(market.subsidy);

    for (let step = 0; step < TRADES_PER_SEED; step += 1) {
      const u = random.int(0, users.length - 1);
      const outcome = random.int(0, outcomes.length - 1);
      const sell = held[u][outcome] > 0n && random.next() < 0.4;
      if (sell) {
        const shares = random.bigint(1n, held[u][outcome]);
        const fill = await trading.sell(users[u].id, market.id, { outcome: random.next() < 0.5 ? outcome : outcomes[outcome], shares: formatUnits(shares) }).catch((error: Error) => error);
        if (fill instanceof Error) {
          expect(fill.name).toBe('TradeTooSmall');
          continue;
        }
        held[u][outcome] -= shares;
        net[u] += units(fill.amount);
        poolExpected -= units(fill.amount) + units(fill.fee);
      } else {
        const amount = random.bigint(1n, units('60'));
        const fill = await trading.buy(users[u].id, market.id, { outcome, amount: formatUnits(amount) }).catch((error: Error) => error);
        if (fill instanceof Error) {
          expect(['TradeTooSmall', 'InsufficientFunds']).toContain(fill.name);
          continue;
        }
        held[u][outcome] += units(fill.shares);
        net[u] -= amount;
        poolExpected += amount - units(fill.fee);
      }
      const [pool] = await db(running).query(`SELECT available FROM accounts WHERE system_key = $1`, [`market-pool:${market.id}`]);
      expect(BigInt(pool.available)).toBe(poolExpected);
      const [row] = await db(running).query(`SELECT outstanding_shares FROM markets WHERE id = $1`, [market.id]);
      const outstanding = (row.outstanding_shares as string[]).map(BigInt);
      expect(outstanding).toEqual(outcomes.map((_, i) => held.reduce((sum, shares) => sum + shares[i], 0n)));
      expect(BigInt(pool.available)).toBeGreaterThanOrEqual(outstanding.reduce((max, q) => (q > max ? q : max), 0n));
    }
    expect((await queries.poolCheck()).ok).toBe(true);
    expect((await reconcile(running, admin)).ok).toBe(true);

    await markets.cancel(market.id);
    await expect(running.app.get(MarketSettlementService).settle(market.id)).resolves.toMatchObject({ done: true });
    for (const [u, user] of users.entries()) {
      const [account] = await db(running).query(`SELECT available FROM accounts WHERE user_id = $1`, [user.id]);
      // Refund = paid - received when positive; a trader who took out more keeps it.
      const expected = net[u] < 0n ? units('1000') : units('1000') + net[u];
      expect(BigInt(account.available)).toBe(expected);
    }
    const [pool] = await db(running).query(`SELECT available FROM accounts WHERE system_key = $1`, [`market-pool:${market.id}`]);
    expect(BigInt(pool.available)).toBe(0n);
    expect((await reconcile(running, admin)).ok).toBe(true);
  });
});
