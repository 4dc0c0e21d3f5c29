import { AccountsService } from '../../src/accounts/accounts.service';
import { PlayerStatsService } from '../../src/analytics/player-stats.service';
import { ProfilesService } from '../../src/analytics/profiles.service';
import { formatUsdc, parseUsdc } from '../../src/common/money/usdc';
import type { VenueTradeSummary } from '../../src/common/stats/venue-stats';
import { quoteSell } from '../../src/creators/creator-curve';
import { CreatorDividendsService } from '../../src/creators/creator-dividends.service';
import { CreatorEarnings } from '../../src/creators/creator-earnings.service';
import { CreatorQueriesService } from '../../src/creators/creator-queries.service';
import { curveRulesOf } from '../../src/creators/creator-rules';
import { CreatorSharesService } from '../../src/creators/creator-shares.service';
import { CreatorStatsQueries } from '../../src/creators/creator-stats.queries';
import { MarketStatsQueries } from '../../src/markets/market-stats.queries';
import { RoundStatsQueries } from '../../src/rounds/round-stats.queries';
import { PerpStatsQueries } from '../../src/trades/perp-stats.queries';
import { givenUserWithBalance, GivenUser } from './support/given';
import { MediumModule, startMediumModule } from './support/medium-module';

const units = (decimal: string) => parseUsdc(decimal, 'amount', 'any');
const NO_TRADES: VenueTradeSummary = { trades: 0, wins: 0, volume: 0n, pnl: 0n, best: null, worst: null, openPositions: 0 };
const noVenue = { playerSummary: () => Promise.resolve(NO_TRADES) };

/** The creators venue and the player statistics over it; the other venues report nothing. */
const CREATOR_STATS = {
  providers: [
    CreatorEarnings,
    CreatorSharesService,
    CreatorDividendsService,
    CreatorStatsQueries,
    PlayerStatsService,
    { provide: CreatorQueriesService, useValue: {} },
    { provide: RoundStatsQueries, useValue: noVenue },
    { provide: MarketStatsQueries, useValue: noVenue },
    { provide: PerpStatsQueries, useValue: noVenue },
    { provide: ProfilesService, useValue: { mine: (userId: string) => Promise.resolve({ userId, displayName: null }) } },
  ],
};

describe('Creator-share statistics equal the ledger (medium)', () => {
  let medium: MediumModule;
  let shares: CreatorSharesService;

  const available = async (userId: string) => units((await medium.get(AccountsService).overview(userId)).balances.find((b) => b.asset === 'USDC')!.available);

  async function givenCreator(): Promise<GivenUser> {
    const creator = await givenUserWithBalance(medium, '100');
    await medium.dataSource.transaction((manager) => shares.open(manager, creator.id));
    return creator;
  }

  beforeAll(async () => {
    medium = await startMediumModule(CREATOR_STATS, { STARTING_BALANCE: '0', CREATOR_SHARE_LOCK_SECONDS: '0', DIVIDEND_PERIOD_SECONDS: '3600' });
    shares = medium.get(CreatorSharesService);
  });
  afterAll(() => medium?.close());

  it('reports what a holder spent, received and was paid in dividends exactly as their balance moved, with average-cost P&L', async () => {
    const [first, second] = await Promise.all([givenCreator(), givenCreator()]);
    const alice = await givenUserWithBalance(medium, '50');
    const bob = await givenUserWithBalance(medium, '50');
    const start = await available(alice.id);

    // Alice buys 3 then 2 of the first creator (Bob's buy in between raises the price), 4 of the second, sells 2 of the first.
    const before = await available(alice.id);
    await shares.buy(alice.id, first.id, { shares: 3 });
    await shares.buy(bob.id, first.id, { shares: 4 });
    await shares.buy(alice.id, first.id, { shares: 2 });
    const spentOnFirst = before - (await available(alice.id));
    await shares.buy(alice.id, second.id, { shares: 4 });
    const afterBuys = await available(alice.id);
    await shares.sell(alice.id, first.id, { shares: 2 });
    const proceeds = (await available(alice.id)) - afterBuys;

    // Close the period and pay the first creator's dividend pool (Alice then held 3 of its shares).
    const dividends = medium.get(CreatorDividendsService);
    const period = await medium.dataSource.transaction(async (manager) => (await medium.get(CreatorEarnings).openPeriod(manager, first.id))!);
    await dividends.close(period);
    const beforeDividends = await available(alice.id);
    await dividends.payCreator(first.id, period);
    const dividendsPaid = (await available(alice.id)) - beforeDividends;
    expect(dividendsPaid > 0n).toBe(true);

    const stats = (await medium.get(PlayerStatsService).mine(alice.id, 'all')).creatorShares;
    const end = await available(alice.id);
    // The ledger identity: what the statistics say went out and came in is how the balance moved, to the minor unit.
    expect(start - units(stats.spent) + units(stats.received) + units(stats.dividendsReceived)).toBe(end);
    expect(units(stats.dividendsReceived)).toBe(dividendsPaid);
    expect(units(stats.received)).toBe(proceeds);
    expect(stats).toMatchObject({ buys: 3, sells: 1, sharesBought: 9, sharesSold: 2 });

    // Average cost: the 2 shares sold carry 2/5 of what the 5 first-creator shares cost.
    const soldCost = (spentOnFirst * 2n) / 5n;
    expect(units(stats.realisedPnl)).toBe(proceeds - soldCost);
    expect(stats.winRate).toBe(proceeds > soldCost ? '1.0000' : '0.0000');

    // Holdings now: 3 + 4 shares, costing what is left of the pools, valued at what selling them now would pay.
    const spentOnSecond = units(stats.spent) - spentOnFirst;
    expect(units(stats.holdings.costBasis)).toBe(spentOnFirst - soldCost + spentOnSecond);
    const rules = curveRulesOf(medium.config);
    const state = async (creatorId: string) => medium.dataSource.transaction((manager) => shares.stateOf(manager, creatorId));
    const [firstState, secondState] = await Promise.all([state(first.id), state(second.id)]);
    const value = quoteSell(BigInt(firstState!.supply), 3n, rules).total + quoteSell(BigInt(secondState!.supply), 4n, rules).total;
    expect(stats.holdings).toMatchObject({ creators: 2, shares: 7, marketValue: formatUsdc(value) });
    expect(units(stats.holdings.unrealisedPnl)).toBe(value - units(stats.holdings.costBasis));

    // Bob today: one buy, nothing sold, so no win rate.
    const later = (await medium.get(PlayerStatsService).mine(bob.id, 'today')).creatorShares;
    expect(later).toMatchObject({ buys: 1, sells: 0, realisedPnl: '0.000000', winRate: null, holdings: { creators: 1, shares: 4 } });
  });
});
